//! Drawing the prepared charts with plotters, as PNG and as SVG, with a
//! title, axis labels with units and a legend beside the plot. Text uses
//! the DejaVu Sans font embedded in the binary, so no system font library
//! is needed.

use std::error::Error;
use std::path::Path;
use std::sync::OnceLock;

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{register_font, FontStyle};

use crate::report::charts::{ChartKind, ChartSpec, HorizontalBars, LineChart, StackedBars};
use crate::report::i18n::{self, Lang};
use crate::report::raster::CrispText;

const FONT: &[u8] = include_bytes!("../../data/fonts/DejaVuSans.ttf");
/// The family the embedded font is registered under.
const FAMILY: &str = "sans-serif";

pub const WIDTH: u32 = 1100;
pub const HEIGHT: u32 = 560;
const LEGEND_WIDTH: u32 = 240;

/// Colours of series, in order (the "Tableau 10" palette).
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];
const LIMIT_COLOR: RGBColor = RGBColor(0, 0, 0);
const GRID_LIGHT: RGBColor = RGBColor(238, 238, 238);
const GRID_BOLD: RGBColor = RGBColor(215, 215, 215);

type DrawResult<T = ()> = Result<T, Box<dyn Error>>;

fn color(index: usize) -> RGBColor {
    PALETTE[index % PALETTE.len()]
}

/// Registers the embedded font with plotters once.
fn ensure_font() -> Result<(), String> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            register_font(FAMILY, FontStyle::Normal, FONT).map_err(|_| "the embedded chart font is not a valid font".to_string())
        })
        .clone()
}

/// Draws `spec` into a PNG file at `path` (whose name must end in .png).
pub fn png(spec: &ChartSpec, lang: Lang, path: &Path) -> Result<(), String> {
    ensure_font()?;
    let font = ab_glyph::FontRef::try_from_slice(FONT).map_err(|_| "the embedded chart font is not a valid font".to_string())?;
    let root = CrispText::new(BitMapBackend::new(path, (WIDTH, HEIGHT)), font).into_drawing_area();
    draw(&root, spec, lang).map_err(|error| format!("cannot draw the chart {}: {error}", spec.stem))?;
    root.present().map_err(|error| format!("cannot write {}: {error}", path.display()))
}

/// Draws `spec` as an SVG document.
pub fn svg(spec: &ChartSpec, lang: Lang) -> Result<String, String> {
    ensure_font()?;
    let mut document = String::new();
    {
        let root = SVGBackend::with_string(&mut document, (WIDTH, HEIGHT)).into_drawing_area();
        draw(&root, spec, lang).map_err(|error| format!("cannot draw the chart {}: {error}", spec.stem))?;
        root.present().map_err(|error| format!("cannot finish the chart {}: {error}", spec.stem))?;
    }
    Ok(document)
}

/// A legend entry's symbol.
enum Swatch {
    Line(RGBColor),
    Band(RGBColor),
    Bar(RGBColor),
    Dashed(RGBColor),
    Whisker,
}

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, spec: &ChartSpec, lang: Lang) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    // The largest title size up to 22 px that fits the width.
    let mut size = 22;
    while size > 12 && root.estimate_text_size(&spec.title, &(FAMILY, size).into_font().into_text_style(root))?.0 + 40 > WIDTH {
        size -= 1;
    }
    let body = root.margin(8, 0, 0, 0).titled(&spec.title, (FAMILY, size).into_font().color(&BLACK))?;
    let (plot, legend) = body.split_horizontally(WIDTH - LEGEND_WIDTH);
    let entries = match &spec.kind {
        ChartKind::Lines(chart) => draw_lines(&plot, chart, lang)?,
        ChartKind::StackedBars(chart) => draw_stacked(&plot, chart, lang)?,
        ChartKind::HorizontalBars(chart) => draw_horizontal(&plot, chart, lang)?,
    };
    draw_legend(&legend, &entries)
}

/// Returns the top of the y axis: a little above the largest value, at least 1.
fn y_top(values: impl Iterator<Item = f64>) -> f64 {
    let max = values.filter(|v| v.is_finite()).fold(0.0, f64::max);
    if max <= 0.0 { 1.0 } else { max * 1.08 }
}

/// Index positions 0, step, 2·step, … below `count`.
fn key_points(count: usize, step: usize) -> Vec<f64> {
    (0..count).step_by(step.max(1)).map(|i| i as f64).collect()
}

/// An axis over index positions from -0.5 to `count` - 0.5, with labelled
/// ticks at the given positions only.
#[derive(Clone)]
struct IndexAxis {
    count: usize,
    ticks: Vec<f64>,
}

impl IndexAxis {
    fn new(count: usize, step: usize) -> IndexAxis {
        IndexAxis { count: count.max(1), ticks: key_points(count.max(1), step) }
    }
}

impl Ranged for IndexAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let share = (value + 0.5) / self.count as f64;
        limit.0 + ((limit.1 - limit.0) as f64 * share).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() { Vec::new() } else { self.ticks.clone() }
    }

    fn range(&self) -> Range<f64> {
        -0.5..self.count as f64 - 0.5
    }
}

/// Returns the label of index tick `x`, or an empty text between ticks.
fn index_label(ticks: &[String], x: f64) -> String {
    let rounded = x.round();
    if (x - rounded).abs() < 1e-6 && rounded >= 0.0 && (rounded as usize) < ticks.len() {
        ticks[rounded as usize].clone()
    } else {
        String::new()
    }
}

fn draw_lines<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, chart: &LineChart, lang: Lang) -> DrawResult<Vec<(Swatch, String)>>
where
    DB::ErrorType: 'static,
{
    let count = chart.x_ticks.len().max(1);
    let values = chart
        .bands
        .iter()
        .flat_map(|band| band.upper.iter().copied())
        .chain(chart.lines.iter().flat_map(|line| line.values.iter().copied()))
        .chain(chart.limit.iter().map(|(_, value)| *value));
    let top = y_top(values);
    // Differences between two runs can be negative; other charts start at 0.
    let lowest = chart
        .bands
        .iter()
        .flat_map(|band| band.lower.iter().copied())
        .chain(chart.lines.iter().flat_map(|line| line.values.iter().copied()))
        .filter(|v| v.is_finite())
        .fold(0.0, f64::min);
    let bottom = if lowest < 0.0 { lowest * 1.08 } else { 0.0 };

    let x_range = IndexAxis::new(count, chart.x_step);
    let mut context = ChartBuilder::on(area)
        .margin(12)
        .margin_right(20)
        .x_label_area_size(56)
        .y_label_area_size(90)
        .build_cartesian_2d(x_range, bottom..top)?;
    let x_format = |x: &f64| index_label(&chart.x_ticks, *x);
    let y_format = |y: &f64| i18n::axis(*y, top, lang);
    context
        .configure_mesh()
        .y_labels(8)
        .x_label_formatter(&x_format)
        .y_label_formatter(&y_format)
        .x_desc(chart.x_label.as_str())
        .y_desc(chart.y_label.as_str())
        .axis_desc_style((FAMILY, 16))
        .label_style((FAMILY, 13))
        .y_max_light_lines(1)
        .light_line_style(GRID_LIGHT)
        .bold_line_style(GRID_BOLD)
        .draw()?;

    let mut entries = Vec::new();
    for band in &chart.bands {
        let mut outline: Vec<(f64, f64)> = band.upper.iter().enumerate().map(|(i, &v)| (i as f64, v)).collect();
        outline.extend(band.lower.iter().enumerate().rev().map(|(i, &v)| (i as f64, v)));
        let fill = color(band.color).mix(0.22);
        if band.upper.len() == 1 {
            // A single position has no width to fill, so it gets a narrow box.
            let box_corners = [(-0.15, band.lower[0]), (0.15, band.upper[0])];
            context.draw_series(std::iter::once(Rectangle::new(box_corners, fill.filled())))?;
        } else {
            context.draw_series(std::iter::once(Polygon::new(outline, fill.filled())))?;
        }
        entries.push((Swatch::Band(color(band.color)), band.label.clone()));
    }
    for line in &chart.lines {
        let style = color(line.color).stroke_width(2);
        let points: Vec<(f64, f64)> = line.values.iter().enumerate().map(|(i, &v)| (i as f64, v)).collect();
        context.draw_series(LineSeries::new(points.clone(), style))?;
        if points.len() <= 48 {
            context.draw_series(points.iter().map(|&point| Circle::new(point, 3, color(line.color).filled())))?;
        }
        entries.push((Swatch::Line(color(line.color)), line.label.clone()));
    }
    if let Some((label, value)) = &chart.limit {
        let points = vec![(-0.5, *value), (count as f64 - 0.5, *value)];
        context.draw_series(DashedLineSeries::new(points, 10, 6, LIMIT_COLOR.stroke_width(2)))?;
        entries.push((Swatch::Dashed(LIMIT_COLOR), label.clone()));
    }
    Ok(entries)
}

fn draw_stacked<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, chart: &StackedBars, lang: Lang) -> DrawResult<Vec<(Swatch, String)>>
where
    DB::ErrorType: 'static,
{
    let count = chart.categories.len().max(1);
    let totals: Vec<f64> =
        (0..count).map(|i| chart.series.iter().map(|(_, _, values)| values.get(i).copied().unwrap_or(0.0)).sum()).collect();
    let top = y_top(totals.iter().copied());

    let x_range = IndexAxis::new(count, chart.x_step);
    let mut context = ChartBuilder::on(area)
        .margin(12)
        .margin_right(20)
        .x_label_area_size(56)
        .y_label_area_size(90)
        .build_cartesian_2d(x_range, 0.0..top)?;
    let x_format = |x: &f64| index_label(&chart.categories, *x);
    let y_format = |y: &f64| i18n::axis(*y, top, lang);
    context
        .configure_mesh()
        .disable_x_mesh()
        .y_labels(8)
        .x_label_formatter(&x_format)
        .y_label_formatter(&y_format)
        .x_desc(chart.x_label.as_str())
        .y_desc(chart.y_label.as_str())
        .axis_desc_style((FAMILY, 16))
        .label_style((FAMILY, 13))
        .y_max_light_lines(1)
        .light_line_style(GRID_LIGHT)
        .bold_line_style(GRID_BOLD)
        .draw()?;

    let mut bottoms = vec![0.0; count];
    let mut entries = Vec::new();
    for (label, index, values) in &chart.series {
        let fill = color(*index).filled();
        let bars: Vec<Rectangle<(f64, f64)>> = values
            .iter()
            .enumerate()
            .take(count)
            .filter(|(_, value)| **value > 0.0)
            .map(|(i, &value)| {
                let x = i as f64;
                Rectangle::new([(x - 0.38, bottoms[i]), (x + 0.38, bottoms[i] + value)], fill)
            })
            .collect();
        context.draw_series(bars)?;
        for (i, value) in values.iter().enumerate().take(count) {
            bottoms[i] += value;
        }
        entries.push((Swatch::Bar(color(*index)), label.clone()));
    }
    // The top of the stack first, as in the bars.
    entries.reverse();
    Ok(entries)
}

fn draw_horizontal<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    chart: &HorizontalBars,
    lang: Lang,
) -> DrawResult<Vec<(Swatch, String)>>
where
    DB::ErrorType: 'static,
{
    let count = chart.labels.len().max(1);
    let highs = chart.ranges.iter().flat_map(|(_, ranges)| ranges.iter().map(|r| r.1));
    let right = y_top(chart.values.iter().copied().chain(highs)) * 1.1;
    let label_style = (FAMILY, 13).into_font().into_text_style(area);
    let mut label_width = 40;
    for label in &chart.labels {
        label_width = label_width.max(area.estimate_text_size(label, &label_style)?.0 + 24);
    }

    // The first label at the top.
    let row_y = |index: usize| (count - 1 - index) as f64;
    let y_range = IndexAxis::new(count, 1);
    let mut context = ChartBuilder::on(area)
        .margin(12)
        .margin_right(20)
        .x_label_area_size(56)
        .y_label_area_size(label_width)
        .build_cartesian_2d(0.0..right, y_range)?;
    let x_format = |x: &f64| i18n::axis(*x, right, lang);
    let y_format = |y: &f64| {
        let rounded = y.round();
        if (y - rounded).abs() < 1e-6 && rounded >= 0.0 && (rounded as usize) < chart.labels.len() {
            chart.labels[count - 1 - rounded as usize].clone()
        } else {
            String::new()
        }
    };
    context
        .configure_mesh()
        .disable_y_mesh()
        .x_labels(8)
        .x_label_formatter(&x_format)
        .y_label_formatter(&y_format)
        .x_desc(chart.x_label.as_str())
        .axis_desc_style((FAMILY, 16))
        .label_style((FAMILY, 13))
        .x_max_light_lines(1)
        .light_line_style(GRID_LIGHT)
        .bold_line_style(GRID_BOLD)
        .draw()?;

    let fill = color(0).filled();
    context.draw_series(chart.values.iter().enumerate().map(|(i, &value)| {
        let y = row_y(i);
        Rectangle::new([(0.0, y - 0.32), (value, y + 0.32)], fill)
    }))?;

    let mut entries = vec![(Swatch::Bar(color(0)), chart.value_label.clone())];
    let mut label_ends: Vec<f64> = chart.values.clone();
    if let Some((label, ranges)) = &chart.ranges {
        let style = BLACK.stroke_width(2);
        for (i, &(low, high)) in ranges.iter().enumerate() {
            let y = row_y(i);
            context.draw_series([
                PathElement::new(vec![(low, y), (high, y)], style),
                PathElement::new(vec![(low, y - 0.15), (low, y + 0.15)], style),
                PathElement::new(vec![(high, y - 0.15), (high, y + 0.15)], style),
            ])?;
            if let Some(end) = label_ends.get_mut(i) {
                *end = end.max(high);
            }
        }
        entries.push((Swatch::Whisker, label.clone()));
    }

    let value_style = (FAMILY, 12).into_font().color(&BLACK).pos(Pos::new(HPos::Left, VPos::Center));
    context.draw_series(chart.values.iter().zip(&label_ends).enumerate().map(|(i, (&value, &end))| {
        EmptyElement::at((end, row_y(i))) + Text::new(i18n::count(value, lang), (6, 0), value_style.clone())
    }))?;
    Ok(entries)
}

/// Splits `text` into lines no wider than `width` pixels.
fn wrap<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, text: &str, style: &TextStyle, width: u32) -> DrawResult<Vec<String>>
where
    DB::ErrorType: 'static,
{
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let candidate = if current.is_empty() { word.to_string() } else { format!("{current} {word}") };
        if !current.is_empty() && area.estimate_text_size(&candidate, style)?.0 > width {
            lines.push(std::mem::replace(&mut current, word.to_string()));
        } else {
            current = candidate;
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    Ok(lines)
}

fn draw_legend<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, entries: &[(Swatch, String)]) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let style = (FAMILY, 14).into_font().color(&BLACK).pos(Pos::new(HPos::Left, VPos::Center));
    let (x0, text_x) = (6, 44);
    let mut y = 30;
    for (swatch, label) in entries {
        match swatch {
            Swatch::Line(color) => {
                area.draw(&PathElement::new(vec![(x0, y), (x0 + 30, y)], color.stroke_width(3)))?;
            }
            Swatch::Band(color) => {
                area.draw(&Rectangle::new([(x0, y - 8), (x0 + 30, y + 8)], color.mix(0.22).filled()))?;
            }
            Swatch::Bar(color) => {
                area.draw(&Rectangle::new([(x0, y - 8), (x0 + 30, y + 8)], color.filled()))?;
            }
            Swatch::Dashed(color) => {
                for start in [0, 12, 24] {
                    area.draw(&PathElement::new(vec![(x0 + start, y), (x0 + start + 7, y)], color.stroke_width(2)))?;
                }
            }
            Swatch::Whisker => {
                let style = BLACK.stroke_width(2);
                area.draw(&PathElement::new(vec![(x0, y), (x0 + 30, y)], style))?;
                area.draw(&PathElement::new(vec![(x0, y - 6), (x0, y + 6)], style))?;
                area.draw(&PathElement::new(vec![(x0 + 30, y - 6), (x0 + 30, y + 6)], style))?;
            }
        }
        let lines = wrap(area, label, &style, LEGEND_WIDTH - text_x as u32 - 8)?;
        for (index, line) in lines.iter().enumerate() {
            area.draw(&Text::new(line.clone(), (text_x, y + 18 * index as i32), style.clone()))?;
        }
        y += 18 * lines.len().max(1) as i32 + 12;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_labels_only_on_whole_indices() {
        let ticks = vec!["a".to_string(), "b".to_string()];
        assert_eq!(index_label(&ticks, 1.0), "b");
        assert_eq!(index_label(&ticks, 0.5), "");
        assert_eq!(index_label(&ticks, 2.0), "");
        assert_eq!(index_label(&ticks, -1.0), "");
    }

    #[test]
    fn key_points_and_axis_tops() {
        assert_eq!(key_points(7, 3), vec![0.0, 3.0, 6.0]);
        assert_eq!(key_points(2, 0), vec![0.0, 1.0]);
        assert_eq!(y_top([0.0, 0.0].into_iter()), 1.0);
        assert!((y_top([10.0, f64::NAN].into_iter()) - 10.8).abs() < 1e-9);
    }
}
