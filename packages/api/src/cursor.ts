import { AppError } from "@kamiyo/core";

/** A keyset position: a time (epoch ms) and an id. Opaque to clients (base64url). */
export interface Position {
  at: number;
  id: string;
}

export function encodeCursor(p: Position): string {
  return Buffer.from(`${p.at}.${p.id}`).toString("base64url");
}

/** @throws AppError("invalid_input") naming `param` when the cursor is not one this API issued. */
export function decodeCursor(text: string, param = "cursor"): Position {
  const raw = Buffer.from(text, "base64url").toString("utf8");
  const m = /^(\d{1,15})\.([A-Za-z0-9_]{1,64})$/.exec(raw);
  if (!m)
    throw new AppError(
      "invalid_input",
      `query parameter "${param}": not a cursor issued by this API`,
    );
  return { at: Number(m[1]), id: m[2] as string };
}
