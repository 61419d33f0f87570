/**
 * The text without any run of `chars` at its end. A loop, not `/[…]+$/`: a regular expression
 * tries the run from every position, so 64 KB of "." before one other character takes seconds.
 */
export function trimTrailing(text: string, chars: string): string {
  let end = text.length;
  while (end > 0 && chars.includes(text.charAt(end - 1))) end -= 1;
  return end === text.length ? text : text.slice(0, end);
}
