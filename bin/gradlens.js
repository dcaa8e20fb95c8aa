#!/usr/bin/env node
// Node entry for the `gradlens` bin: registers tsx so the TypeScript sources run as they are.
import { register } from 'tsx/esm/api';

register();
await import('./gradlens.ts');
