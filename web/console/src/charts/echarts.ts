// Only the parts of Apache ECharts the console draws (lines, bars, a box plot), on canvas: loaded with the first chart,
// never in the initial bundle. Tooltips render in the canvas too (renderMode richText): the CSP allows no inline style.
import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, MarkLineComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, MarkLineComponent, CanvasRenderer]);

export { echarts };
