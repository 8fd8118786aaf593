// Checks on every request's input whatever the route: JSON nesting depth and unsafe Unicode.
import { AppError } from '@helpdesk-auth/core';

/**
 * Checks that apply to every request's input, whatever the route (OWASP ASVS 5.0, V1.5 "Safe
 * deserialization" and V2.2 "Input validation"):
 *
 * - **Nesting depth.** No request of ours nests deeper than a few levels. A body of 8 KiB can
 *   nest 4,000 levels, enough to overflow any recursive walk (ours, a validator's, a logger's), so
 *   JSON deeper than `maxJsonDepth` is refused before it is parsed, and parsed input is walked
 *   without recursion.
 * - **NUL characters.** PostgreSQL cannot store NUL in text, and no legitimate input carries one.
 * - **Lone UTF-16 surrogates** (`"\ud800"` in JSON): not Unicode text. They cannot be encoded as
 *   UTF-8, so `encodeURIComponent` throws on them and PostgreSQL would store something else than
 *   what was checked.
 */
export const maxJsonDepth = 64;

/**
 * True when JSON text nests arrays and objects deeper than `limit`. A linear scan of the raw
 * text, so a deep body costs no more than a shallow one and is refused before `JSON.parse`.
 * Brackets inside strings do not count. The text need not be valid JSON; the parser decides that.
 */
export function jsonNestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > limit) return true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    }
  }
  return false;
}

export function jsonTooDeep(): AppError {
  return new AppError('JSON_TOO_DEEP', `The request body nests deeper than ${maxJsonDepth} levels.`);
}

function textProblem(text: string): AppError | undefined {
  if (text.includes('\u0000'))
    return new AppError('VALIDATION_FAILED', 'Text must not contain NUL characters.');
  if (!text.isWellFormed()) {
    return new AppError('INVALID_UNICODE', 'Text must be Unicode: it contains a lone UTF-16 surrogate.');
  }
  return undefined;
}

/**
 * The first problem in a parsed value (body, query or path parameters), or undefined. Iterative,
 * with the same depth limit as the JSON text, so no input can exhaust the stack here.
 */
export function inputProblem(value: unknown): AppError | undefined {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (typeof current === 'string') {
      const problem = textProblem(current);
      if (problem) return problem;
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (depth >= maxJsonDepth) return jsonTooDeep();
    for (const key of Object.keys(current)) {
      const problem = textProblem(key);
      if (problem) return problem;
      stack.push({ value: (current as Record<string, unknown>)[key], depth: depth + 1 });
    }
  }
  return undefined;
}
