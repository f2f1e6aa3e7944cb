import * as tf from '@tensorflow/tfjs';
import type { LossBindContext, LossInputs, LossRequirements, TapInfo } from '@graphflow/core';
import { tapOf } from '../util/base-term';
import { stopGradient } from '../util/stop-gradient';
import { requireTeacher } from '../util/taps';
import { resolveTapPairs, type MultiTapOptions } from './tap-options';

/**
 * The student/teacher tap pairs a multi-tap term reads, known from bind() on: what its requirements() ask the stage
 * for and how compute() picks pair i out of a batch's forward outputs (the teacher's side as a constant).
 */
export class BoundTapPairs {
  private studentTaps: string[] = [];
  private teacherTaps: string[] = [];

  constructor(private readonly term: string) {}

  bind(options: MultiTapOptions, ctx: LossBindContext, minimum: number): { teacher: TapInfo[]; student: TapInfo[] } {
    const taps = resolveTapPairs(options, ctx.student, requireTeacher(ctx.teacher, this.term), minimum, this.term);
    this.teacherTaps = taps.teacher.map((t) => t.name);
    this.studentTaps = taps.student.map((t) => t.name);
    return taps;
  }

  requirements(): LossRequirements {
    return { labels: false, teacher: true, studentTaps: this.studentTaps, teacherTaps: this.teacherTaps };
  }

  get count(): number {
    return this.studentTaps.length;
  }

  student(inputs: LossInputs, i: number): tf.Tensor4D {
    return tapOf(inputs.student.taps, this.studentTaps[i]!, 'student', this.term);
  }

  teacher(inputs: LossInputs, i: number): tf.Tensor4D {
    if (!inputs.teacher) throw new Error(`loss/${this.term} needs the teacher's output`);
    return stopGradient(tapOf(inputs.teacher.taps, this.teacherTaps[i]!, 'teacher', this.term));
  }
}
