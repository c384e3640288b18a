/**
 * The query with only what a query must escape escaped: node ids (`wl:shop/app=web`) stay
 * readable in shared links instead of turning into `wl%3Ashop%2Fapp%3Dweb`.
 */
export function readableQuery(params: URLSearchParams): string {
  const parts: string[] = [];
  for (const [key, value] of params) parts.push(`${readable(key)}=${readable(value)}`);
  return parts.length === 0 ? "" : `?${parts.join("&")}`;
}

function readable(text: string): string {
  return encodeURIComponent(text).replace(/%(2F|3A|2C|3B|3D|40)/g, (escaped) => decodeURIComponent(escaped));
}
