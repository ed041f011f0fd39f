#!/usr/bin/env node
import { main } from '../dist/cli/main.js';

// `flowgate demo | head`: the reader has all it wants once it closes the pipe; stop quietly instead of a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

process.exitCode = await main(process.argv.slice(2));
