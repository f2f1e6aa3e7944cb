/**
 * A decoded 2-D array of pixels before any preprocessing.
 * `data` is HWC, row-major, holding the values as stored in the file (not rescaled),
 * so thresholds and class indices mean what they meant in the file.
 */
export interface Raster {
  width: number;
  height: number;
  channels: number;
  data: Float32Array;
  /**
   * Largest value the storage type can hold (255 for 8-bit, 65535 for 16-bit), used by `unit` normalization;
   * null for floating-point sources, whose range is whatever the data holds.
   */
  maxValue: number | null;
  /** The file the pixels came from, for error messages. */
  file: string;
}
