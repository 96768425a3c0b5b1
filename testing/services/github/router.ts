// Matches request paths to the route templates of routes.ts. The most literal template wins
// (`/releases/tags/{tag}` before `/releases/{release_id}`); a greedy last parameter takes the rest of the
// path, slashes included (`/git/ref/heads/main`, or `heads%2Fmain` as Octokit encodes it).
import { ROUTES, type HttpMethod, type RouteSpec } from "./routes.ts";

interface CompiledRoute {
  route: RouteSpec;
  segments: ({ literal: string } | { param: string })[];
  literals: number;
}

export interface RouteMatch {
  route: RouteSpec;
  params: Record<string, string>;
}

export const UPLOADS_PREFIX = "/uploads";

const compiled: CompiledRoute[] = ROUTES.map((route) => {
  const segments = route.path
    .split("/")
    .slice(1)
    .map((s) => (/^\{(.+)\}$/.exec(s)?.[1] ? { param: s.slice(1, -1) } : { literal: s }));
  return { route, segments, literals: segments.filter((s) => "literal" in s).length };
});

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function matchOne(candidate: CompiledRoute, parts: string[]): Record<string, string> | undefined {
  const { segments, route } = candidate;
  if (route.greedyLastParam ? parts.length < segments.length : parts.length !== segments.length)
    return undefined;
  const params: Record<string, string> = {};
  for (const [index, segment] of segments.entries()) {
    const last = index === segments.length - 1;
    const raw = last && route.greedyLastParam ? parts.slice(index).join("/") : parts[index];
    if (raw === undefined) return undefined;
    const value = last && route.greedyLastParam ? parts.slice(index).map(decode).join("/") : decode(raw);
    if (value === undefined) return undefined;
    if ("literal" in segment) {
      if (segment.literal !== value) return undefined;
    } else {
      if (value === "") return undefined;
      params[segment.param] = value;
    }
  }
  return params;
}

/** The route for a method and path, `null` when the path exists for another method, undefined when not at all. */
export function matchRoute(method: string, pathname: string): RouteMatch | null | undefined {
  const uploads = pathname.startsWith(`${UPLOADS_PREFIX}/`);
  const parts = (uploads ? pathname.slice(UPLOADS_PREFIX.length) : pathname)
    .replace(/\/+$/, "")
    .split("/")
    .slice(1);
  let best: { candidate: CompiledRoute; params: Record<string, string> } | undefined;
  let pathExists = false;
  for (const candidate of compiled) {
    if (Boolean(candidate.route.uploads) !== uploads) continue;
    const params = matchOne(candidate, parts);
    if (!params) continue;
    pathExists = true;
    if (candidate.route.method !== (method as HttpMethod)) continue;
    if (!best || candidate.literals > best.candidate.literals) best = { candidate, params };
  }
  if (best) return { route: best.candidate.route, params: best.params };
  return pathExists ? null : undefined;
}
