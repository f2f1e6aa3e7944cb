import * as path from 'node:path';
import { stageConformance } from '../../src/testing';

// Run by stage-suite-catches.test.ts in a child process: the suite over a stage that leaks one tensor per step.
const plugins = [path.resolve(__dirname, 'leaky-stage-plugin.js')];
const leak = process.env['GF_LEAK'] === '1';
stageConformance({ label: `stage/steps leak=${leak}`, plugins, stage: { type: 'stage/steps', options: { steps: 3, leak } }, longer: { type: 'stage/steps', options: { steps: 6, leak } } });
