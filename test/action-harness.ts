/** The bundled action on the sandbox, for tests: see src/sandbox/action-runner.ts (the demo plays it too). */
export * from '../src/sandbox/action-runner.js';
