import { convNormAct, type Norm } from './conv-norm-act';
import type { Sym } from './symbolic';

/**
 * The U-Net unit: (3×3 conv → norm → ReLU) twice. [N,H,W,Cin] → [N,H,W,filters].
 */
export function doubleConv(x: Sym, filters: number, norm: Norm, name: string): Sym {
  const y = convNormAct(x, { filters, kernelSize: 3, norm, activation: 'relu', name: `${name}_1` });
  return convNormAct(y, { filters, kernelSize: 3, norm, activation: 'relu', name: `${name}_2` });
}
