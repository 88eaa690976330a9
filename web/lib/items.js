/**
 * Item ids and what they name. Ids are business keys (api/routes/*): a proposal is its number
 * (`2026-0001`); a follow-up item is `<proposal>-converted`, `<proposal>-commitment-<unit>`,
 * `<posting>-L3`, `<campaign>-<site>-2` or `<kind>-<date>-<random>`; a posting is
 * `<group>-<YYYY-MM-DD>`. Only a proposal number is unambiguous, so for any other id the page asks
 * for the likelier kind first and falls back to the other.
 */

/** @typedef {'proposal' | 'followUp' | 'posting'} ItemKind */

export const proposalNumberPattern = /^\d{4}-\d{4,6}$/;
const postingIdPattern = /-\d{4}-\d{2}-\d{2}$/;

export const itemKindLabels = { proposal: '提案', followUp: '跟踪事项', posting: '民主监督派驻' };

/**
 * The kinds an id may be, likeliest first.
 * @param {string} id
 * @returns {ItemKind[]}
 */
export function itemKinds(id) {
  if (proposalNumberPattern.test(id)) return ['proposal'];
  return postingIdPattern.test(id) ? ['posting', 'followUp'] : ['followUp', 'posting'];
}

const apiBases = { proposal: '/api/proposals/', followUp: '/api/follow-ups/', posting: '/api/postings/' };

/**
 * Where the API serves an item of a kind.
 * @param {ItemKind} kind
 * @param {string} id
 */
export const itemApiPath = (kind, id) => apiBases[kind] + encodeURIComponent(id);

/** The workspace page of an item: the link every notification carries. */
export const itemPath = (/** @type {string} */ id) => `/items/${encodeURIComponent(id)}`;

/**
 * The item id a workspace path names, or undefined for any other page (the board).
 * @param {string} pathname
 * @returns {string | undefined}
 */
export function itemIdFromPath(pathname) {
  const match = /^\/items\/([^/]+)\/?$/.exec(pathname);
  if (!match) return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return match[1];
  }
}
