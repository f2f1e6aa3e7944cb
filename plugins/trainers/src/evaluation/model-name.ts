/** A manifest model reference as reports show it: `models.student` → `student`. */
export function shortName(ref: string): string {
  return ref.replace(/^models\./, '');
}
