// A chart as an image with a text alternative: the figures are also in the tables beside every chart.
import { useEffect, useRef } from "react";
import type { EChartsCoreOption } from "echarts/core";

type Props = { option: EChartsCoreOption; label: string; height?: number };

export function Chart({ option, label, height = 260 }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<{ setOption: (o: EChartsCoreOption, notMerge?: boolean) => void; dispose: () => void; resize: () => void } | null>(null);
  // The data may arrive before the chart library has loaded: the chart starts from the latest option, not the first.
  const latest = useRef(option);
  latest.current = option;
  useEffect(() => {
    let disposed = false;
    let observer: ResizeObserver | undefined;
    void import("./echarts").then(({ echarts }) => {
      if (disposed || !box.current) return;
      const instance = echarts.init(box.current, undefined, { renderer: "canvas" });
      chart.current = instance;
      instance.setOption({ ...base, ...latest.current }, true);
      observer = new ResizeObserver(() => instance.resize());
      observer.observe(box.current);
    });
    return () => {
      disposed = true;
      observer?.disconnect();
      chart.current?.dispose();
      chart.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  useEffect(() => {
    chart.current?.setOption({ ...base, ...option }, true);
  }, [option]);
  return <div ref={box} className="chart" role="img" aria-label={label} style={{ height }} />;
}

const base = {
  animation: false,
  textStyle: { fontFamily: "system-ui, 'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', sans-serif" },
  tooltip: { trigger: "axis", renderMode: "richText" },
  grid: { left: 48, right: 16, top: 32, bottom: 32, containLabel: true },
};
