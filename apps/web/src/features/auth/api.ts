import { AuthUser, CSRF_HEADER } from "@trustmap/shared";
import { z } from "zod";
import { failureOf } from "../../api/client";
import { sessionQuery } from "../../api/session";

// Who the page is for: the session the BFF answers, and the two things a user does with it.

export const authQueries = { session: sessionQuery };

const LoginAnswer = z.object({ user: AuthUser, expiresAt: z.string() }).strict();

/** Logs in with a bearer token; throws the BFF's own message when it is refused. */
export async function logInWithToken(token: string, csrf: string): Promise<z.infer<typeof LoginAnswer>> {
  const response = await fetch("/api/auth/login", {
    method: "POST",
    headers: { "Content-Type": "application/json", [CSRF_HEADER]: csrf },
    body: JSON.stringify({ token }),
  });
  if (!response.ok) throw await failureOf(response);
  return LoginAnswer.parse(await response.json());
}

export async function logOut(csrf: string): Promise<void> {
  const response = await fetch("/api/auth/logout", { method: "POST", headers: { [CSRF_HEADER]: csrf } });
  if (!response.ok) throw await failureOf(response);
}
