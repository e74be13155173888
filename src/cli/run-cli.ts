// Entry point for running the CLI from source (tests, `npm run dev`): `tsx src/cli/run-cli.ts`.
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
