// docker-compose.yml against the app and its own parts: what a Compose schema cannot know.
// The file's validity is checked by `npm run containers:lint` (docker-compose config, promtool).
import { existsSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { envSettings, loadConfig } from "../../apps/cli/src/config/app-config.ts";
import {
  type ComposeFile,
  envOf,
  interpolate,
  mountsOf,
  ROOT,
  readDockerfile,
  readEnvFile,
  readText,
  readYaml,
} from "./container-files.ts";

const example = readEnvFile(".env.example");
const compose = parse(interpolate(readText("docker-compose.yml"), example)) as ComposeFile;
const raw = readYaml<ComposeFile>("docker-compose.yml");
const services = compose.services;
const kamiyo = services.kamiyo;
if (!kamiyo) throw new Error("docker-compose.yml has no kamiyo service");
const imageEnv = envOf(
  readDockerfile().stages.at(-1) ?? { image: "", name: null, instructions: [] },
);
/** What the kamiyo process sees: the image's ENV, then the service's environment. */
const kamiyoEnv = { ...imageEnv, ...kamiyo.environment };

interface PrometheusConfig {
  rule_files: string[];
  scrape_configs: {
    job_name: string;
    metrics_path?: string;
    static_configs: { targets: string[] }[];
  }[];
}
interface GrafanaDatasources {
  datasources: { type: string; url: string; isDefault?: boolean }[];
}
interface GrafanaProviders {
  providers: { type: string; options: { path: string } }[];
}

describe("docker-compose.yml: kamiyo", () => {
  it("is built from the repository's Dockerfile", () => {
    expect(kamiyo.build).toBe(".");
  });

  it("waits for every service it depends on to be healthy, and each has a healthcheck", () => {
    const deps = Object.entries(kamiyo.depends_on ?? {});
    expect(deps.map(([name]) => name).sort()).toEqual(["nats", "postgres", "redis"]);
    for (const [name, dep] of deps) {
      expect(dep.condition, name).toBe("service_healthy");
      expect(services[name]?.healthcheck?.test.length, name).toBeGreaterThan(1);
    }
  });

  it("with the image's ENV, sets only kamiyo settings (and NODE_ENV), a valid configuration", () => {
    const settings = new Set([...envSettings().map((s) => s.name), "NODE_ENV"]);
    for (const name of Object.keys(kamiyoEnv)) expect(settings).toContain(name);
    const loaded = loadConfig(kamiyoEnv);
    expect(loaded).toMatchObject({ ok: true, warnings: [] });
  });

  it("connects to the compose PostgreSQL, Redis and NATS by service name and port", () => {
    const pg = services.postgres?.environment ?? {};
    expect(kamiyoEnv.DATABASE_URL).toBe(
      `postgres://${pg.POSTGRES_USER}:${pg.POSTGRES_PASSWORD}@postgres:5432/${pg.POSTGRES_DB}`,
    );
    expect(kamiyoEnv.REDIS_URL).toBe("redis://redis:6379");
    expect(kamiyoEnv.RCA_NATS_URL).toBe("nats://nats:4222");
    expect(services.nats?.command).toContain("--jetstream");
    const store = services.nats?.command?.[services.nats.command.indexOf("--store_dir") + 1];
    expect(mountsOf(services.nats ?? {}).map((m) => m.target)).toContain(store);
  });

  it("runs on a read-only root with its data and cache folders on a volume and /tmp on tmpfs", () => {
    expect(kamiyo.read_only).toBe(true);
    expect(kamiyo.tmpfs).toContain("/tmp");
    const volumes = mountsOf(kamiyo).filter((m) => compose.volumes && m.source in compose.volumes);
    for (const dir of [kamiyoEnv.KAMIYO_DATA_DIR, kamiyoEnv.KAMIYO_CACHE_DIR])
      expect(
        volumes.some((v) => dir?.startsWith(`${v.target}/`)),
        dir,
      ).toBe(true);
  });

  it("checks readiness on the port it listens on", () => {
    const test = kamiyo.healthcheck?.test ?? [];
    expect(test.slice(0, 3)).toEqual(["CMD", "node", "-e"]);
    expect(test[3]).toContain(`http://127.0.0.1:${kamiyoEnv.API_PORT}/ready`);
    expect(kamiyo.ports).toContain(`127.0.0.1:8080:${kamiyoEnv.API_PORT}`);
  });
});

describe("docker-compose.yml: secrets", () => {
  it("takes every password from the environment, required, with placeholders only in .env.example", () => {
    const text = readText("docker-compose.yml");
    expect(raw.services.postgres?.environment?.POSTGRES_PASSWORD).toMatch(
      /^\$\{POSTGRES_PASSWORD:\?/,
    );
    expect(raw.services.grafana?.environment?.GF_SECURITY_ADMIN_PASSWORD).toMatch(
      /^\$\{GRAFANA_ADMIN_PASSWORD:\?/,
    );
    expect(text).not.toMatch(/^\s*[A-Z_]*PASSWORD:\s*[^$\s]/m);
    expect(example).toMatchObject({
      POSTGRES_PASSWORD: "change-me",
      GRAFANA_ADMIN_PASSWORD: "change-me",
    });
    expect(readText(".gitignore").split("\n")).toContain(".env");
  });
});

describe("docker-compose.yml: Prometheus and Grafana", () => {
  const prometheus = services.prometheus ?? {};
  const grafana = services.grafana ?? {};
  const promConfig = readYaml<PrometheusConfig>("deploy/prometheus/prometheus.yml");

  it("Prometheus reads deploy/prometheus at its default config path and scrapes kamiyo's /metrics", () => {
    expect(mountsOf(prometheus)).toContainEqual({
      source: "./deploy/prometheus",
      target: "/etc/prometheus",
      readOnly: true,
    });
    const job = promConfig.scrape_configs.find((j) => j.job_name === "kamiyo");
    expect(job?.metrics_path ?? "/metrics").toBe("/metrics");
    expect(job?.static_configs.flatMap((s) => s.targets)).toEqual([`kamiyo:${kamiyoEnv.API_PORT}`]);
  });

  it("Prometheus loads the alerting rules folder inside what it mounts", () => {
    expect(promConfig.rule_files).toEqual(["rules/*.yml"]);
    expect(existsSync(`${ROOT}deploy/prometheus/rules`)).toBe(true);
  });

  it("Grafana's provider loads the repository's dashboards from where they are mounted", () => {
    const mounts = mountsOf(grafana);
    expect(mounts).toContainEqual({
      source: "./deploy/grafana/provisioning",
      target: "/etc/grafana/provisioning",
      readOnly: true,
    });
    const dashboards = mounts.find((m) => m.source === "./grafana/dashboards");
    expect(dashboards?.readOnly).toBe(true);
    const providers = readYaml<GrafanaProviders>(
      "deploy/grafana/provisioning/dashboards/kamiyo.yml",
    );
    expect(providers.providers.map((p) => [p.type, p.options.path])).toEqual([
      ["file", dashboards?.target],
    ]);
    expect(readdirSync(`${ROOT}grafana/dashboards`).some((f) => f.endsWith(".json"))).toBe(true);
  });

  it("Grafana's default data source is the compose Prometheus, of the type the dashboards query", () => {
    const sources = readYaml<GrafanaDatasources>(
      "deploy/grafana/provisioning/datasources/prometheus.yml",
    ).datasources;
    expect(sources).toMatchObject([
      { type: "prometheus", url: "http://prometheus:9090", isDefault: true },
    ]);
    for (const file of readdirSync(`${ROOT}grafana/dashboards`).filter((f) =>
      f.endsWith(".json"),
    )) {
      const types = [
        ...readText(`grafana/dashboards/${file}`).matchAll(
          /"datasource":\s*\{\s*"type":\s*"([^"]+)"/g,
        ),
      ];
      for (const [, type] of types) expect(type, file).toBe("prometheus");
    }
    expect(grafana.depends_on?.prometheus?.condition).toBe("service_healthy");
  });
});
