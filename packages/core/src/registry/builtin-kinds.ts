import type { KindDefinition } from '../plugin/types';

/** The component kinds core declares; plugins may add more with `api.kind()`. */
export const BUILTIN_KINDS: readonly KindDefinition[] = [
  { name: 'backbone', description: 'Segmentation networks (teachers and students) exposing named feature taps.' },
  { name: 'module', description: 'Trainable auxiliary networks (paraphraser, translator, discriminator) declared under `models`.' },
  { name: 'loss', description: 'Loss terms: segmentation, distillation and adversarial.' },
  { name: 'dataset', description: 'Dataset layouts and generators producing split, preprocessed samples and batches.' },
  { name: 'transform', description: 'Paired image/mask preprocessing and augmentation transforms.' },
  { name: 'stage', description: 'Pipeline stages: training, distillation, evaluation, prediction.' },
  { name: 'metric', description: 'Segmentation metrics (Dice, IoU, accuracy, HD95 …).' },
  { name: 'optimizer', description: 'Gradient-descent optimizers.' },
  { name: 'schedule', description: 'Learning-rate and loss-weight schedules.' },
  { name: 'backend', description: 'TensorFlow.js compute backends and their kernel sets.' },
  { name: 'tool', description: 'What `graphflow eval | predict | export | data inspect` run on a trained model or a dataset (TOOL_IDS).' },
];
