import { suspendedForPayment } from "@kamiyo/billing";
import type { Queryable } from "@kamiyo/db";
import type { ChannelSecretBox } from "../store/channel-secrets.ts";
import { type Channel, listChannels } from "../store/channels.ts";

/**
 * The channels a tenant's alerts go to now: its enabled ones, or none while it is suspended for
 * failed payments (its data and settings are kept; alerts resume once it has paid).
 */
export async function channelsInForce(
  tx: Queryable,
  tenantId: string,
  box: ChannelSecretBox,
): Promise<Channel[]> {
  if (await suspendedForPayment(tx, tenantId)) return [];
  // A channel whose secret does not open still routes: its deliveries fail, with the reason, when
  // a worker claims them; the findings' transaction this runs in must not.
  return listChannels(tx, tenantId, box, { enabledOnly: true, unreadable: "sealed" });
}
