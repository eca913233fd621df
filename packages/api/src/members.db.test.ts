import { createTenant } from "@kamiyo/tenancy";
import { testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiHarness, type Harness, NOW } from "./testing/api-harness.ts";

let h: Harness;
let owner = "";
let admin = "";
let ownerId = "";

beforeAll(async () => {
  h = await apiHarness({ seeded: false });
  owner = (
    await createTenant(h.db, {
      name: "acme",
      actor: "test",
      nowMs: NOW,
      ownerEmail: "Ada@Acme.example",
    })
  ).key;
  admin = (await call(owner, "POST", "/api-keys", { name: "admin", role: "admin" })).json().key;
  ownerId = (await call(owner, "GET", "/members")).json().data[0].userId;
});
afterAll(async () => h?.close());

function call(key: string, method: string, url: string, payload?: object) {
  h.clock.advanceTo(h.clock.now() + 1_000);
  return h.app.inject({
    method: method as "GET",
    url,
    headers: { "x-api-key": key },
    ...(payload ? { payload } : {}),
  });
}

describe(`members and their roles (${testDbKind})`, () => {
  it("starts with the owner named at creation, adds people, and changes their roles", async () => {
    const first = (await call(owner, "GET", "/members")).json().data;
    expect(first).toEqual([
      expect.objectContaining({ email: "ada@acme.example", role: "owner", name: null }),
    ]);
    const bob = await call(admin, "POST", "/members", { email: "bob@acme.example", name: "Bob" });
    expect(bob.statusCode, bob.body).toBe(201);
    expect(bob.json()).toMatchObject({ email: "bob@acme.example", role: "member", name: "Bob" });
    expect((await call(admin, "POST", "/members", { email: "BOB@acme.example" })).statusCode).toBe(
      409,
    );
    const promoted = await call(admin, "PATCH", `/members/${bob.json().userId}`, { role: "admin" });
    expect(promoted.json().role).toBe("admin");
    const list = (await call(owner, "GET", "/members")).json().data;
    expect(list.map((m: { email: string; role: string }) => [m.email, m.role])).toEqual([
      ["ada@acme.example", "owner"],
      ["bob@acme.example", "admin"],
    ]);
  });

  it("keeps an admin from granting or touching more than its own role, and the last owner in place", async () => {
    expect(
      (await call(admin, "POST", "/members", { email: "eve@acme.example", role: "owner" }))
        .statusCode,
    ).toBe(403);
    expect((await call(admin, "PATCH", `/members/${ownerId}`, { role: "viewer" })).statusCode).toBe(
      403,
    );
    expect((await call(admin, "DELETE", `/members/${ownerId}`)).statusCode).toBe(403);
    const demote = await call(owner, "PATCH", `/members/${ownerId}`, { role: "admin" });
    expect(demote.statusCode).toBe(409);
    expect(demote.json().error.message).toContain("last owner");
    expect((await call(owner, "DELETE", `/members/${ownerId}`)).statusCode).toBe(409);
    expect((await call(owner, "POST", "/members", { email: "not an address" })).statusCode).toBe(
      400,
    );
  });

  it("removes a member, and the audit log has each change", async () => {
    const carol = (await call(owner, "POST", "/members", { email: "carol@acme.example" })).json();
    expect((await call(owner, "DELETE", `/members/${carol.userId}`)).statusCode).toBe(204);
    expect(
      (await call(owner, "GET", "/members")).json().data.map((m: { email: string }) => m.email),
    ).not.toContain("carol@acme.example");
    const entries = (await call(owner, "GET", "/audit-log")).json().data as {
      action: string;
      target: string;
    }[];
    expect(entries.map((e) => e.action)).toEqual(
      expect.arrayContaining(["member.add", "member.update", "member.remove"]),
    );
    // Each names the member it changed, the addition (whose route has no id) included.
    const carolsChanges = entries.filter((e) => e.target === carol.userId).map((e) => e.action);
    expect(carolsChanges.sort()).toEqual(["member.add", "member.remove"]);
  });
});
