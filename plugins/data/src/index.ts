import { definePlugin } from '@graphflow/core';
import { busiDataset } from './layouts/busi';
import { cvcClinicDbDataset } from './layouts/cvc-clinicdb';
import { folderDataset } from './layouts/folder';
import { kvasirDataset } from './layouts/kvasir';
import { synapseDataset } from './layouts/synapse';
import { syntheticDataset } from './layouts/synthetic';
import { transformComponents } from './transforms/transform-components';
import { inspectDataToolComponent } from './inspect/inspect-tool';

export { inspectData, renderContactSheet, type DataInspection, type PartitionReport } from './inspect/inspect-data';
export { SegmentationDataset, preprocessEntry, type DataLogger, type DatasetDeps, type SkippedPair } from './dataset/segmentation-dataset';
export { datasetOptionProperties, datasetRules, withDatasetDefaults, type DatasetOptions } from './dataset/dataset-options';
export { imageFileEntry, type LayoutProblem, type LayoutScan, type SampleEntry } from './dataset/sample-entry';
export { PatchSampler, type PatchPosition } from './dataset/patch-sampler';
export { PATCHES_SCHEMA, patchSize, withPatchDefaults, type PatchOptions, type PatchPartition } from './dataset/patch-options';
export { ROI_SCHEMA, roiRules, type RoiOptions } from './roi/roi-options';
export { erodeRegion, fileRegion, thresholdRegion } from './roi/roi-region';
export { prefetchInOrder, mapLimit } from './dataset/batch-stream';
export { decodeImageFile, probeImageFile, isImageFile, IMAGE_SUFFIXES, type ImageHeader } from './decode/image-file';
export { parseNpy, encodeNpy, NpyFormatError, type NdArray, type NpyDtype } from './decode/npy';
export { readNpz, buildNpz } from './decode/npz';
export { loadH5wasm, readH5Shapes, readH5Slice } from './decode/hdf5';
export type { Raster } from './decode/raster';
export { encodeMask, ignoreRule, unionMasks, type MaskEncoding, type EncodedMask } from './mask/mask-encoding';
export { needsDatasetStatistics, normalize, type Normalization } from './preprocess/normalize';
export { computeDatasetStatistics, statisticsOf, type NormalizationStatistics } from './preprocess/dataset-statistics';
export { resizeBilinear, resizeNearest } from './preprocess/resize';
export { convertChannels } from './preprocess/channels';
export { assignPartitions, listedNames, type SplitItem, type SplitResult } from './split/assign-partitions';
export type { SplitOptions } from './split/split-options';
export { FlipTransform } from './transforms/flip';
export { Rot90Transform } from './transforms/rot90';
export { RotateTransform } from './transforms/rotate';
export { RandomScaleCropTransform } from './transforms/random-scale-crop';
export { BrightnessContrastTransform } from './transforms/brightness-contrast';
export { GammaTransform } from './transforms/gamma';
export { GaussianNoiseTransform } from './transforms/gaussian-noise';
export { AnnotationNoiseTransform } from './transforms/annotation-noise';
export { scanFolderLayout, folderDataset, type FolderDatasetOptions, type FolderSource } from './layouts/folder';
export { scanBusiLayout, busiDataset } from './layouts/busi';
export { scanCvcLayout, cvcClinicDbDataset } from './layouts/cvc-clinicdb';
export { scanKvasirLayout, kvasirDataset } from './layouts/kvasir';
export { scanSynapseLayout, synapseDataset, SYNAPSE_TRAIN_CASES, SYNAPSE_TEST_CASES, SYNAPSE_CLASS_NAMES } from './layouts/synapse';
export { scanSyntheticLayout, syntheticDataset, syntheticDatasetOptions, type SyntheticDatasetOptions } from './layouts/synthetic';
export { generateSyntheticImage, SYNTHETIC_CLASS_NAMES } from './layouts/synthetic-generator';
export { labeledRng } from '@graphflow/core';

const VERSION = '0.1.0';

/** `@graphflow/data`: dataset layouts, decoders, preprocessing, augmentation transforms and splits. */
export default definePlugin({
  name: '@graphflow/data',
  version: VERSION,
  graphflow: '^0.1.0',
  register(api) {
    for (const c of [folderDataset, busiDataset, cvcClinicDbDataset, kvasirDataset, synapseDataset, syntheticDataset]) api.component(c as never);
    for (const t of transformComponents) api.component(t);
    api.component(inspectDataToolComponent);
  },
});
