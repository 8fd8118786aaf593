/**
 * Security-question answers are compared after normalisation, so "St. Mary's" and "st marys"
 * match (the issue asks for case, spaces, punctuation and Unicode normalisation):
 * 1. Unicode NFKC (UAX #15): compatibility forms fold together ("ﬁ" to "fi", full-width "Ａ" to "A");
 * 2. lower case, language-independent;
 * 3. only letters, combining marks and digits stay: spaces, punctuation and symbols go, so word
 *    breaks and hyphens ("New-York", "new york") do not matter.
 * NFKC runs again after lower-casing, because lower-casing can produce sequences that are not in
 * normal form.
 */
export function normaliseAnswer(answer: string): string {
  const folded = answer.normalize('NFKC').toLowerCase().normalize('NFKC');
  return folded.replace(/[^\p{L}\p{M}\p{N}]+/gu, '');
}

/** Questions are shown to the agent and read out; answers are never shown to anyone. */
export const securityQuestionLimits = {
  questions: { min: 1, max: 10 },
  questionLength: { min: 5, max: 200 },
  /** Characters before normalisation. */
  answerLength: { min: 1, max: 200 },
  /** Letters and digits left after normalisation: one character is a guess, not an answer. */
  normalisedMinLength: 2,
} as const;
