/** Where a repository keeps its flows. */
export const DEFAULT_FLOWS_DIR = '.github/flows';
