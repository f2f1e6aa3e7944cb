import { GraphFlowError, type OptionRuleViolation, type SegmentationModel, type TapInfo } from '@graphflow/core';
import { requireTap, requireTaps, spreadTaps } from '../util/taps';

/** Options shared by baselines that read several taps per network (AT, FSP, CoCo). */
export interface MultiTapOptions {
  teacherTaps: string[];
  studentTaps: string[];
}

/** Taps per network resolveTapPairs uses when neither list is given. */
const DEFAULT_TAP_COUNT = 3;

export function multiTapSchema(): Record<string, unknown> {
  const defaultText = `up to ${DEFAULT_TAP_COUNT} taps spread over tapDefaults.ordered`;
  return {
    teacherTaps: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true, default: [], description: `Teacher taps, shallow → deep; empty = ${defaultText}.` },
    studentTaps: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true, default: [], description: `Student taps paired with teacherTaps by position; empty = ${defaultText}.` },
  };
}

/** Paired lists must line up; checked before any work. */
export function multiTapRules(o: MultiTapOptions, minimum: number): OptionRuleViolation[] {
  const problems: OptionRuleViolation[] = [];
  if (o.teacherTaps.length > 0 && o.studentTaps.length > 0 && o.teacherTaps.length !== o.studentTaps.length) {
    problems.push({ pointer: '/studentTaps', message: `studentTaps lists ${o.studentTaps.length} taps but teacherTaps lists ${o.teacherTaps.length}; they pair by position`, expected: `${o.teacherTaps.length} taps` });
  }
  for (const key of ['teacherTaps', 'studentTaps'] as const) {
    if (o[key].length > 0 && o[key].length < minimum) problems.push({ pointer: `/${key}`, message: `${key} needs at least ${minimum} taps`, expected: `>= ${minimum} taps` });
  }
  return problems;
}

/**
 * Resolves the paired taps against the bound networks: explicit lists are checked; missing ones are spread over
 * the network's ordered taps, using as many layers as both sides offer (at least `minimum`).
 */
export function resolveTapPairs(o: MultiTapOptions, student: SegmentationModel, teacher: SegmentationModel, minimum: number, term: string): { teacher: TapInfo[]; student: TapInfo[] } {
  const count = o.teacherTaps.length || o.studentTaps.length || Math.min(teacher.tapDefaults.ordered.length, student.tapDefaults.ordered.length, DEFAULT_TAP_COUNT);
  if (count < minimum) {
    throw new GraphFlowError('GF_OPTIONS_INVALID', `loss/${term} needs ${minimum} taps per network but the networks offer ${count}`, { pointer: '/teacherTaps' });
  }
  const teacherNames = o.teacherTaps.length > 0 ? o.teacherTaps : spreadTaps(teacher.tapDefaults.ordered, count);
  const studentNames = o.studentTaps.length > 0 ? o.studentTaps : spreadTaps(student.tapDefaults.ordered, count);
  if (teacherNames.length !== studentNames.length) {
    const message = `loss/${term} pairs taps by position, but resolved ${teacherNames.length} teacher taps (${teacherNames.join(', ')}) and ${studentNames.length} student taps (${studentNames.join(', ')})`;
    throw new GraphFlowError('GF_OPTIONS_INVALID', message, { problems: [{ code: 'GF_OPTIONS_INVALID', message, pointer: '/studentTaps', expected: `${teacherNames.length} taps` }] });
  }
  return { teacher: requireTaps(teacher, teacherNames, '/teacherTaps', 'teacher'), student: requireTaps(student, studentNames, '/studentTaps', 'student') };
}

/** Single-tap baselines (FT, SKD pair-wise, IFVD): one tap per network, defaulting to the deep one. */
export interface SingleTapOptions {
  teacherTap: string | null;
  studentTap: string | null;
}

export const singleTapSchema = {
  teacherTap: { type: ['string', 'null'], minLength: 1, default: null, description: "Teacher tap to distil from; null = the teacher's tapDefaults.deep." },
  studentTap: { type: ['string', 'null'], minLength: 1, default: null, description: "Student tap that learns it; null = the student's tapDefaults.deep." },
};

/**
 * Resolves and checks the single-tap pair, each side defaulting to its network's deep tap; a term whose teacher
 * side is constrained (FT: only taps its paraphraser encodes) passes its own `teacherDefault`.
 */
export function resolveSingleTap(o: SingleTapOptions, student: SegmentationModel, teacher: SegmentationModel, teacherDefault = teacher.tapDefaults.deep): { teacher: TapInfo; student: TapInfo } {
  return {
    teacher: requireTap(teacher, o.teacherTap ?? teacherDefault, '/teacherTap', 'teacher'),
    student: requireTap(student, o.studentTap ?? student.tapDefaults.deep, '/studentTap', 'student'),
  };
}
