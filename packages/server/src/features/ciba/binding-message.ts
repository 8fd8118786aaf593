/**
 * The binding_message (CIBA Core 7.1) is shown on the customer's phone as the reason of the
 * request, and on the agent's screen by the client, so both can see they are looking at the same
 * transaction. It must therefore be short and plainly displayable: letters, marks, digits,
 * punctuation, symbols and spaces only. Control and formatting characters (line breaks,
 * right-to-left overrides, zero-width joiners) could make the phone show something other than
 * what the agent reads, so they are refused.
 */
export const bindingMessageMaxLength = 100;

const displayable = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]+$/u;

/** Problems with a binding message; empty when it may be shown. */
export function bindingMessageProblems(message: string): string[] {
  const problems: string[] = [];
  const length = [...message].length;
  if (message.trim().length === 0) problems.push('binding_message must not be empty.');
  if (length > bindingMessageMaxLength)
    problems.push(`binding_message must be at most ${bindingMessageMaxLength} characters.`);
  if (!displayable.test(message) && message.length > 0)
    problems.push('binding_message may contain only letters, digits, punctuation, symbols and plain spaces.');
  if (message !== message.trim()) problems.push('binding_message must not start or end with a space.');
  return problems;
}
