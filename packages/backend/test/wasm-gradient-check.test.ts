import { before, describe, it } from 'node:test';
import { activateBackend } from '../src/select-backend';
import { checkAgainstCpu, KERNEL_CASES } from './support/kernel-cases';

describe('wasm training kernels match cpu', () => {
  before(async () => {
    await activateBackend('wasm', { threads: 2 });
  });
  for (const c of KERNEL_CASES) it(c.name, () => checkAgainstCpu(c, 'wasm'));
});
