/**
 * Hidden markers in the app's comments. An effect's comment ends with its key,
 * so the app can see on GitHub whether it was already posted (a lost answer, a
 * crash, a redelivery) instead of posting it again. Text a flow renders into a
 * comment (a PR title, a decline reason) can never make a marker of its own:
 * every `<!-- flowgate:` in it is shown as text, so it can neither pose as the
 * sticky comment nor stand for another effect.
 */

/** The app's own comments on a PR: the facts query reads them with the rest. */
export interface AppComment {
  id: number;
  body: string;
}

/** `<!-- flowgate:effect <key> -->`; the key is URI-encoded, so no key (a label name is part of some) can close the comment early. */
export const effectMarker = (key: string): string => `<!-- flowgate:effect ${encodeURIComponent(key)} -->`;

/** Shows any `<!-- flowgate:` in user-controlled text as text rather than as a hidden marker. */
export const neutraliseMarkers = (text: string): string => text.replace(/<!--(\s*flowgate:)/gi, '&lt;!--$1');

/**
 * A comment for an effect: the text, then its marker on the last line. The text
 * comes first so that notifications and previews show it; it cannot hold a
 * marker, so the last one is always the app's.
 */
export const effectComment = (key: string, text: string): string => `${neutraliseMarkers(text)}\n\n${effectMarker(key)}`;

/** The app's comment that an effect already posted, if any: its marker must close the comment. */
export function postedComment(comments: readonly AppComment[], key: string): AppComment | undefined {
  const marker = effectMarker(key);
  return comments.find((comment) => {
    const body = comment.body.trimEnd();
    return body === marker || body.endsWith(`\n${marker}`);
  });
}

/** A comment's text without its effect marker: what people read. */
export const commentText = (body: string): string => body.replace(/\n\n<!-- flowgate:effect [^\s>]+ -->\s*$/, '');
