// Node entry of a pool worker: registers tsx in this thread (loader hooks are per thread), then
// runs the TypeScript worker, as bin/gradlens.js does for the command.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
