import * as tf from '@tensorflow/tfjs';
import type { LossInputs, LossTerm, SegmentationModel } from '@graphflow/core';

/** Runs both networks the way a distillation stage does (teacher frozen, only the taps the term asks for). */
export function lossInputs(term: LossTerm, student: SegmentationModel, teacher: SegmentationModel | undefined, images: tf.Tensor4D, labels?: tf.Tensor3D, step = 0): LossInputs {
  const req = term.requirements();
  return {
    images,
    labels,
    student: student.forward(images, { training: true, taps: req.studentTaps }),
    teacher: teacher ? teacher.forward(images, { training: false, taps: req.teacherTaps }) : undefined,
    labeled: labels !== undefined,
    step,
  };
}

/** Binds a term to a student/teacher pair on a given input size. */
export async function bindTerm(term: LossTerm, student: SegmentationModel, teacher: SegmentationModel | undefined, size = 16): Promise<void> {
  await term.bind({ student, teacher, inputSize: [size, size], numClasses: student.numClasses, channels: student.inChannels });
}

/** Gradient of a term's loss (through the student forward pass) w.r.t. the given variables, all checked finite. */
export function termGradients(term: LossTerm, student: SegmentationModel, teacher: SegmentationModel | undefined, images: tf.Tensor4D, labels?: tf.Tensor3D): { value: number; grads: tf.NamedTensorMap; vars: tf.Variable[] } {
  const vars = [...student.trainableVariables(), ...term.trainableVariables()];
  const { value, grads } = tf.variableGrads(() => term.compute(lossInputs(term, student, teacher, images, labels)), vars);
  const v = value.dataSync()[0]!;
  value.dispose();
  return { value: v, grads, vars };
}
