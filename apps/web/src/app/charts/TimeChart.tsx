import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { utc } from "../format.ts";
import { TableScroll } from "../TableScroll.tsx";

/** One line (or bars) of a chart; null values leave a gap. */
export interface ChartSeries {
  label: string;
  values: (number | null)[];
  bars?: boolean;
}

export interface TimeChartProps {
  /** The caption, also the chart's accessible name. */
  title: string;
  /** Epoch milliseconds, ascending, one per value of each series. */
  times: number[];
  series: ChartSeries[];
  /** Shades between two series (indexes into `series`): a forecast's interval. */
  band?: { upper: number; lower: number };
  /** Stacks the series (bars of parts of a whole); the legend and table keep each one's value. */
  stacked?: boolean;
  /** Writes a value (axis, legend, data table). */
  format: (n: number) => string;
  height?: number;
}

const PALETTE = ["--chart-1", "--chart-2", "--chart-3", "--chart-4"];

const cssVar = (name: string) =>
  getComputedStyle(document.documentElement).getPropertyValue(name).trim();

/**
 * A time series chart (uPlot on a canvas) that follows the theme and the width of its box, with
 * the same data as a table for screen readers and keyboard users. Its height is fixed, so data
 * arriving never moves the page.
 */
export function TimeChart({
  title,
  times,
  series,
  band,
  stacked = false,
  format,
  height = 240,
}: TimeChartProps) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    let plot: uPlot | null = null;
    // Stacked: each series drawn at the sum of itself and those before it, the tallest first so
    // the others are painted over it.
    const order = stacked ? series.map((_, i) => series.length - 1 - i) : series.map((_, i) => i);
    const heights = series.map((s, i) =>
      stacked
        ? s.values.map((_, j) => series.slice(0, i + 1).reduce((t, x) => t + (x.values[j] ?? 0), 0))
        : s.values,
    );
    const draw = () => {
      plot?.destroy();
      const fg = cssVar("--muted");
      const grid = cssVar("--line");
      const colour = (i: number) => cssVar(PALETTE[i % PALETTE.length] ?? "--chart-1");
      const axis = {
        stroke: fg,
        grid: { stroke: grid, width: 1 },
        ticks: { stroke: grid, width: 1 },
      };
      plot = new uPlot(
        {
          width: Math.max(200, el.clientWidth),
          height,
          series: [
            { value: (_u, v) => (v === null ? "–" : utc(new Date(v * 1000).toISOString())) },
            ...order.map((i) => {
              const s = series[i] as ChartSeries;
              return {
                label: s.label,
                stroke: colour(i),
                width: 2,
                fill: s.bars ? colour(i) : undefined,
                paths: s.bars ? uPlot.paths.bars?.({ size: [0.7, 40] }) : undefined,
                value: (_u: uPlot, _v: number | null, _s: number, j: number | null) => {
                  const v = j === null ? null : s.values[j];
                  return v === null || v === undefined ? "–" : format(v);
                },
              };
            }),
          ],
          bands: band
            ? [
                {
                  series: [order.indexOf(band.upper) + 1, order.indexOf(band.lower) + 1] as [
                    number,
                    number,
                  ],
                  fill: `${colour(band.upper)}33`,
                },
              ]
            : undefined,
          axes: [
            { ...axis },
            { ...axis, size: 70, values: (_u, vals) => vals.map((v) => format(v)) },
          ],
          scales: { x: { time: true } },
          tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
        },
        [times.map((t) => t / 1000), ...order.map((i) => heights[i])] as uPlot.AlignedData,
        el,
      );
    };
    draw();
    const resize = new ResizeObserver(() => plot?.setSize({ width: el.clientWidth, height }));
    resize.observe(el);
    const theme = new MutationObserver(draw);
    theme.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
    const scheme = matchMedia("(prefers-color-scheme: dark)");
    scheme.addEventListener("change", draw);
    return () => {
      resize.disconnect();
      theme.disconnect();
      scheme.removeEventListener("change", draw);
      plot?.destroy();
    };
  }, [times, series, band, stacked, format, height]);

  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} role="img" aria-label={`${title}: chart of ${times.length} points`} />
      {times.length === 0 ? <p className="status">No data in this range yet.</p> : null}
      <details>
        <summary>
          {title}: the data<span className="visually-hidden"> as a table</span>
        </summary>
        <TableScroll label={`${title}: the data`} className="chart-data">
          <table>
            <thead>
              <tr>
                <th scope="col">Time</th>
                {series.map((s) => (
                  <th scope="col" key={s.label}>
                    {s.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {times.map((t, i) => (
                <tr key={t}>
                  <td>{utc(new Date(t).toISOString())}</td>
                  {series.map((s) => {
                    const v = s.values[i];
                    return <td key={s.label}>{v === null || v === undefined ? "–" : format(v)}</td>;
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      </details>
    </figure>
  );
}
