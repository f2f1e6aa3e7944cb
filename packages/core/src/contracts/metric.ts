/** Contract of `metric/*` components: a segmentation metric over class-index maps. */
export interface MetricInput {
  /** Predicted class per pixel (HW, or DHW for a volume). */
  prediction: Uint8Array;
  target: Uint8Array;
  /** [H, W] or [D, H, W]. */
  shape: readonly number[];
  numClasses: number;
  /** 1 where an element counts, 0 where it is left out (outside the region of interest, ignore label); same length as target. Absent: all count. */
  roi?: Uint8Array;
  /** Physical spacing per axis, same length and order as shape ([row, col] or [slice, row, col]), when known. */
  spacing?: readonly number[];
}

export interface MetricValue {
  /**
   * Per class index (background included at 0); NaN where undefined (class absent in both). Distance metrics use the
   * image diagonal when a class is absent from exactly one of prediction and target (see metric/hd95's docs).
   */
  perClass: number[];
  /** Mean over foreground classes present, the paper's convention. */
  mean: number;
}

export interface Metric {
  readonly name: string;
  /** True when larger is better (dice) and false when smaller is (hd95). */
  readonly higherIsBetter: boolean;
  compute(input: MetricInput): MetricValue;
}
