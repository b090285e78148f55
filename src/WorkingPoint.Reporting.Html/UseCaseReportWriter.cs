using WorkingPoint.Core;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using WorkingPoint.Core.Versioning;
using WorkingPoint.Catalog.UseCases;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Files;
using WorkingPoint.Core.Units;
using WorkingPoint.Reporting.ScottPlot;
using WorkingPoint.Evaluation;
using WorkingPoint.Evaluation.UseCases;

namespace WorkingPoint.Reporting.Html;

/// <summary>One figure of a use case measured on this machine (<c>wpt bench usecase</c>) beside its prediction; null where there was none.</summary>
public sealed record MeasuredFigure(string Workload, string Figure, string Unit, double? Measured, double? Predicted)
{
    public double? ErrorPercent => Measured is { } m && Predicted is { } p && p > 0 ? (m / p - 1) * 100 : null;
}

/// <summary>The newest saved <c>wpt bench usecase</c> result of a use case: when, on what, under which scaling, and its figures.</summary>
public sealed record MeasuredUseCase(long ResultId, DateTimeOffset StartedAt, string Machine, string Conditions, IReadOnlyList<MeasuredFigure> Figures)
{
    /// <summary>The working-point composite score from the measured figures beside the prediction's; null for a result saved before it existed.</summary>
    public MeasuredScore? Score { get; init; }

    /// <summary>The run's verdict under the run rules ("VALID", "INVALID (min duration: …), contended"); null for an older result.</summary>
    public string? Validity { get; init; }

    /// <summary>One line for the report: the score measured beside predicted, and the run's verdict.</summary>
    public string? ScoreText => Score is { Measured: var m, Predicted: var p } s && (m is not null || p is not null)
        ? string.Create(CultureInfo.InvariantCulture, $"Composite score at the working point ({s.Reference ?? "the reference platform"} = 100): measured {Number(m)}, predicted {Number(p)}{(s.ErrorPercent is { } e ? $" ({e:+0;-0} %)" : string.Empty)}.")
        : null;

    private static string Number(double? v) => v is { } x ? x.ToString("0.#", CultureInfo.InvariantCulture) : "–";
}

/// <summary>A use case's working-point composite score (the one <c>wpt evaluate</c> reports) from measured figures and as predicted for the same machine.</summary>
public sealed record MeasuredScore(string? Reference, double? Measured, double? Predicted)
{
    public double? ErrorPercent => Measured is { } m && Predicted is { } p && p > 0 ? (m / p - 1) * 100 : null;
}

/// <summary>
/// Writes a <see cref="UseCaseReport"/> as a single self-contained HTML file (styles and SVG plots inline, nothing fetched,
/// opens from disk offline), as Markdown, or as JSON. Files are written to a temporary name and renamed, so a reader never sees
/// half a report.
/// </summary>
public static class UseCaseReportWriter
{
    public static IReadOnlyList<string> SupportedExtensions { get; } = [".html", ".md", ".json"];

    /// <summary>How many rooflines the HTML shows: the feasible platforms, then the best-scoring others, up to this many.</summary>
    public const int MaxRooflines = 8;

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <param name="provenance">The wpt build and catalog that computed the report; every format names them.</param>
    /// <param name="measured">The use case as measured on this machine, rendered as its own section; null when never measured.</param>
    public static void Write(UseCaseReport report, string path, WptProvenance provenance, MeasuredUseCase? measured = null)
    {
        ArgumentNullException.ThrowIfNull(provenance);
        var extension = Path.GetExtension(path).ToLowerInvariant();
        var text = extension switch
        {
            ".html" => Html(report, provenance.Describe(), measured),
            ".md" => Markdown(report, provenance.Describe(), measured),
            ".json" => provenance.Stamp(WithMeasured(JsonSerializer.SerializeToNode(UseCaseJson.Of(report), JsonOptions), measured)).ToJsonString(JsonOptions),
            _ => throw new InvalidInputException($"-o {path}: the report is written as .html, .md or .json."),
        };
        AtomicFile.WriteAllText(path, text);
    }

    /// <summary>The report's JSON with the "measured" section (when the use case was measured), as HTML and Markdown have it.</summary>
    public static System.Text.Json.Nodes.JsonNode? WithMeasured(System.Text.Json.Nodes.JsonNode? json, MeasuredUseCase? measured)
    {
        if (json is System.Text.Json.Nodes.JsonObject root && measured is not null)
        {
            root["measured"] = JsonSerializer.SerializeToNode(new
            {
                resultId = measured.ResultId,
                startedAt = measured.StartedAt.ToUniversalTime(),
                machine = measured.Machine,
                conditions = measured.Conditions,
                verdict = measured.Validity,
                figures = measured.Figures.Select(f => new { workload = f.Workload, figure = f.Figure, unit = f.Unit, measured = f.Measured, predicted = f.Predicted, errorPercent = f.ErrorPercent }),
                score = measured.Score is { } s ? new { reference = s.Reference, measured = s.Measured, predicted = s.Predicted, errorPercent = s.ErrorPercent } : null,
            }, JsonOptions);
        }

        return json;
    }

    /// <summary>
    /// Achievable ÷ target for a workload on a platform, the tightest of its targets (≥ 1 meets them all; above 1 is headroom). A
    /// frame workload is served at the rate it asks for, so its rate side is the rate it could reach with the others scaled alike
    /// (the rate asked for ÷ the load on the binding resource), not the rate asked for, which would cap every bar at 1.
    /// </summary>
    public static double TargetRatio(PlatformEvaluation e, WorkloadOutcome o)
    {
        var ratio = double.PositiveInfinity;
        if (o.TargetRate is { } rate && rate > 0)
        {
            var load = e.Utilization.Count > 0 ? e.Utilization[e.Binding] : 0;
            var achievable = o.Arrival == ArrivalKind.Frames && load > 0 ? o.Rate * Math.Max(1, load) / load : o.Rate;
            ratio = Math.Min(ratio, achievable / rate);
        }

        if (o.TargetLatencyMs is { } latency && o.LatencyMs > 0)
        {
            ratio = Math.Min(ratio, latency / o.LatencyMs);
        }

        return double.IsPositiveInfinity(ratio) ? 1 : ratio;
    }

    public static string Html(UseCaseReport report, string generator, MeasuredUseCase? measured = null)
    {
        var u = report.UseCase;
        var plotter = new UseCasePlotter();
        var h = new StringBuilder();
        h.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        h.Append(CultureInfo.InvariantCulture, $"<title>{E(u.Name)} — WorkingPoint report</title>\n");
        h.Append("""
            <style>
            body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1200px; padding: 0 1rem; color: #1b1f24; }
            h1 { margin-bottom: .2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #d0d7de; padding-bottom: .3rem; }
            table { border-collapse: collapse; margin: .8rem 0; font-size: .9rem; }
            th, td { border: 1px solid #d0d7de; padding: .3rem .55rem; text-align: right; vertical-align: top; }
            th { background: #f6f8fa; } td.l, th.l { text-align: left; }
            .meets { color: #1a7f37; font-weight: 600; } .fails { color: #cf222e; font-weight: 600; } .unknown { color: #6e7781; font-weight: 600; } .marginal { color: #9a6700; font-weight: 600; }
            .note { color: #57606a; font-size: .9rem; } figure { margin: 1rem 0; } figure svg { max-width: 100%; height: auto; }
            .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 1rem; }
            </style>
            <script>window.wptErrors = []; window.addEventListener('error', function (e) { window.wptErrors.push(String(e.message)); });</script>
            </head>
            <body>

            """);
        h.Append(CultureInfo.InvariantCulture, $"<h1>{E(u.Name)}</h1>\n");
        if (u.Description is not null)
        {
            h.Append(CultureInfo.InvariantCulture, $"<p>{E(u.Description)}</p>\n");
        }

        h.Append(CultureInfo.InvariantCulture, $"<p class=\"note\">From {E(u.Source)} by {E(generator)}. Predictions of the analytic model (docs/usecase.md); every assumption is listed at the end.</p>\n");
        h.Append(Summary(report, html: true));

        h.Append("<h2>Workloads and constraints</h2>\n<table>\n<tr><th class=\"l\">Workload</th><th class=\"l\">Model</th><th class=\"l\">Runs</th><th class=\"l\">Targets</th><th>Weight</th></tr>\n");
        foreach (var w in u.Workloads)
        {
            h.Append(CultureInfo.InvariantCulture, $"<tr><td class=\"l\">{E(w.Id)}</td><td class=\"l\">{E(w.Model.Id)} ({E(w.Weights?.Id ?? "default format")})</td><td class=\"l\">{E(Runs(w))}</td><td class=\"l\">{E(Targets(w))}</td><td>{w.Weight:0.##}</td></tr>\n");
        }

        h.Append("</table>\n");
        h.Append(CultureInfo.InvariantCulture, $"<p>{E(Constraints(u))}</p>\n");

        h.Append("<h2>Verdict per platform</h2>\n<table>\n<tr><th class=\"l\">Platform</th><th class=\"l\">Verdict</th><th class=\"l\">Binds</th><th>Load</th><th>Headroom</th><th>Avg power</th><th>Peak power</th><th>Energy/day</th><th>Memory GB</th><th>Cost</th><th>Score</th><th>Peak score</th><th class=\"l\">Why</th></tr>\n");
        foreach (var e in Ordered(report))
        {
            var verdict = e.Verdict.ToString().ToLowerInvariant();
            h.Append(CultureInfo.InvariantCulture, $"<tr><td class=\"l\">{E(e.Platform.Id)}</td><td class=\"l {verdict}\">{verdict}</td><td class=\"l\">{(e.Predicted ? E(UseCaseEvaluator.Name(e.Binding)) : "–")}</td><td>{(e.Predicted ? $"{e.Utilization[e.Binding]:P0}" : "–")}</td><td>{(e.Predicted && double.IsFinite(e.Headroom) ? $"×{e.Headroom:0.##}" : "–")}</td><td{PowerTitle(e)}>{E(PowerText.Watts(e.AveragePowerW))}</td><td{PowerTitle(e)}>{E(PowerText.Watts(e.PeakPowerW))}</td><td{PowerTitle(e)}>{E(PowerText.WattHours(e.EnergyPerDayWh))}</td><td>{(e.Predicted ? N(e.MemoryRequiredBytes / 1e9) : "–")}</td><td>{(e.CostUsd is { } c ? $"${c:0}" : "?")}</td><td>{N(e.Score?.WorkingPoint)}</td><td>{N(e.Score?.Peak)}</td><td class=\"l\">{E(e.Reason)}</td></tr>\n");
        }

        h.Append("</table>\n");
        if (measured is not null)
        {
            h.Append(CultureInfo.InvariantCulture, $"<h2 id=\"measured\">Measured on this machine</h2>\n<p>Result {measured.ResultId} of wpt bench usecase, {E(measured.StartedAt.ToUniversalTime().ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture))} on {E(measured.Machine)}: {E(measured.Conditions)}.</p>\n<table>\n<tr><th class=\"l\">Workload</th><th class=\"l\">Figure</th><th>Measured</th><th>Predicted</th><th>Error</th></tr>\n");
            foreach (var f in measured.Figures)
            {
                h.Append(CultureInfo.InvariantCulture, $"<tr><td class=\"l\">{E(f.Workload)}</td><td class=\"l\">{E(f.Figure)}</td><td>{N(f.Measured)} {E(f.Unit)}</td><td>{(f.Predicted is null ? "–" : $"{N(f.Predicted)} {E(f.Unit)}")}</td><td>{(f.ErrorPercent is { } e ? $"{e:+0;-0}%" : "–")}</td></tr>\n");
            }

            h.Append("</table>\n");
            if (measured.ScoreText is { } scoreText)
            {
                h.Append(CultureInfo.InvariantCulture, $"<p>{E(scoreText)}</p>\n");
            }

            if (measured.Validity is { } validity)
            {
                h.Append(CultureInfo.InvariantCulture, $"<p class=\"note\">Run rules: {E(validity)}.</p>\n");
            }
        }

        var powerUnknown = report.Platforms.Where(e => e.Predicted && e.PowerUnknownBecause is not null).GroupBy(e => e.PowerUnknownBecause!).ToArray();
        if (powerUnknown.Length > 0)
        {
            h.Append(CultureInfo.InvariantCulture, $"<p class=\"note\">Power unknown: {E(string.Join("; ", powerUnknown.Select(g => $"{g.Key} for {string.Join(", ", g.Select(e => e.Platform.Id))}")))}. Their average power, energy per day and battery life are not guessed.</p>\n");
        }

        h.Append("<h2>Error bands</h2>\n<p>Each figure with its runtime's cross-validated error band (wpt calibrate: the 68th percentile of |log error| on published results held out by model). A target inside a band is <span class=\"marginal\">marginal</span>: the prediction alone cannot say whether it is met.</p>\n");
        h.Append("<table>\n<tr><th class=\"l\">Platform</th><th class=\"l\">Workload</th><th>Rate</th><th class=\"l\">Rate band</th><th>Latency / TTFT ms</th><th class=\"l\">Latency band</th><th class=\"l\">Targets</th></tr>\n");
        foreach (var e in Ordered(report).Where(e => e.Predicted))
        {
            foreach (var o in e.Workloads)
            {
                var met = !o.TargetsMet ? "<td class=\"l fails\">missed</td>" : o.Marginal.Count > 0 ? "<td class=\"l marginal\">marginal</td>" : "<td class=\"l meets\">met</td>";
                h.Append(CultureInfo.InvariantCulture, $"<tr><td class=\"l\">{E(e.Platform.Id)}</td><td class=\"l\">{E(o.Id)}</td><td>{N(o.Rate)} {E(o.RateUnit)}</td><td class=\"l\">{E(o.RateUncertainty.Text)}</td><td>{N(o.LatencyMs)}</td><td class=\"l\">{E(o.LatencyUncertainty.Text)}</td>{met}</tr>\n");
            }
        }

        h.Append("</table>\n");

        h.Append("<h2>Ranking and Pareto front</h2>\n");
        if (report.Ranking.Count > 0)
        {
            var p = u.Priorities.Normalized();
            h.Append(CultureInfo.InvariantCulture, $"<p>Feasible platforms ranked by the stated priorities: performance {p.Performance:P0}, power {p.Power:P0}, cost {p.Cost:P0}; each axis normalized to the best of the feasible set (1 = best).</p>\n");
            h.Append("<table>\n<tr><th>#</th><th class=\"l\">Platform</th><th class=\"l\">Verdict</th><th>Score</th><th>Performance</th><th>Power</th><th>Cost</th><th class=\"l\">Pareto</th></tr>\n");
            foreach (var r in report.Ranking)
            {
                h.Append(CultureInfo.InvariantCulture, $"<tr><td>{r.Rank}</td><td class=\"l\">{E(r.Evaluation.Platform.Id)}</td><td class=\"l {r.Evaluation.Verdict.ToString().ToLowerInvariant()}\">{r.Evaluation.Verdict.ToString().ToLowerInvariant()}</td><td>{r.Score:0.00}</td><td>{r.PerformanceAxis:0.00}</td><td>{r.PowerAxis:0.00}</td><td>{r.CostAxis:0.00}</td><td class=\"l\">{(report.ParetoFront.Contains(r.Evaluation) ? "yes" : string.Empty)}</td></tr>\n");
            }

            h.Append("</table>\n");
            var points = report.Platforms.Where(e => e.Predicted && e.CostUsd is not null && (e.AveragePowerW ?? e.AveragePowerAtLeastW) is not null)
                .Select(e => new ParetoPoint(e.Platform.Id, e.CostUsd!.Value, (e.AveragePowerW ?? e.AveragePowerAtLeastW)!.Value, e.Score?.WorkingPoint ?? 0, report.ParetoFront.Contains(e), e.Verdict is Verdict.Meets or Verdict.Marginal, e.AveragePowerW is null))
                .ToArray();
            var left = report.Platforms.Where(e => e.Predicted && !points.Any(p => p.Label == e.Platform.Id)).Select(e => e.Platform.Id).ToArray();
            if (points.Any(p => p.Feasible))
            {
                h.Append(Figure(plotter.ParetoSvg("Cost against average power (marker size: score at the working point)", points), $"Pareto plot: every platform with a price and a power figure; those that meet every target in colour, the front joined.{(left.Length > 0 ? $" Left out for want of a price or power figure: {string.Join(", ", left)}." : string.Empty)}"));
            }
            else
            {
                h.Append("<p class=\"note\">No feasible platform has both a published price and power figures, so there is no Pareto plot.</p>\n");
            }
        }
        else
        {
            h.Append("<p><strong>No platform meets every target and constraint.</strong> The sensitivity section says what single change would help.</p>\n");
        }

        h.Append("<h2 id=\"each-workload\">Each workload: achieved against target, with everything running</h2>\n<div class=\"grid\">\n");
        foreach (var w in u.Workloads)
        {
            var ratios = Ordered(report).Where(e => e.Predicted)
                .Select(e => e.Workloads.First(o => o.Id == w.Id))
                .Zip(Ordered(report).Where(e => e.Predicted), (o, e) => new TargetRatio(e.Platform.Id, TargetRatio(e, o), o.TargetsMet)).ToArray();
            h.Append(Figure(plotter.TargetBarsSvg($"{w.Id} ({w.Model.Id})", "achievable ÷ target (tightest target)", ratios), $"{w.Id}: bars at or above the dashed line at 1 meet every target; the height above it is headroom (a frame rate's side: the rate reachable with the other workloads scaled alike)."));
        }

        h.Append("</div>\n");

        h.Append("<h2>Composite score</h2>\n");
        h.Append(CultureInfo.InvariantCulture, $"<p>Each workload's performance divided by {E(u.ReferencePlatform)}'s (= 100), combined by weighted geometric mean within each category and across categories (weights from the use case). <em>Working point</em>: the use case's input sizes, batch 1, its prompt and images. <em>Peak</em>: datasheet conditions (networks at batch 8 at their reference size, LLMs at a 128-token prompt). A large gap means great at peak, poor at this working point.</p>\n");
        var categories = u.Workloads.Select(w => w.Category).Distinct().Order().ToArray();
        h.Append("<table>\n<tr><th class=\"l\">Platform</th><th>Working point</th><th>Peak</th>");
        foreach (var c in categories)
        {
            h.Append(CultureInfo.InvariantCulture, $"<th>{E(c.ToString().ToLowerInvariant())}</th>");
        }

        h.Append("</tr>\n");
        foreach (var e in report.Platforms.Where(e => e.Score is not null).OrderByDescending(e => e.Score!.WorkingPoint))
        {
            h.Append(CultureInfo.InvariantCulture, $"<tr><td class=\"l\">{E(e.Platform.Id)}</td><td>{N(e.Score!.WorkingPoint)}</td><td>{N(e.Score.Peak)}</td>");
            foreach (var c in categories)
            {
                h.Append(CultureInfo.InvariantCulture, $"<td>{N(e.Score.Categories.TryGetValue(c, out var v) ? v : null)}</td>");
            }

            h.Append("</tr>\n");
        }

        h.Append("</table>\n");

        h.Append("<h2 id=\"rooflines\">Rooflines with the workloads placed on them</h2>\n<p class=\"note\">Each workload alone: a frame at its most common input size; an LLM's decode step. Ops per off-chip byte across, achieved ops/s up.</p>\n<div class=\"grid\">\n");
        foreach (var e in RooflinePlatforms(report))
        {
            var (compute, bandwidth) = RooflineChart.CeilingsOf(new Ceilings(e.Platform), e.Workloads.Select(o => o.Roofline?.Precision));
            var chart = new RooflineChart(e.Platform.Id, compute, bandwidth, e.Workloads.Where(o => o.Roofline is not null).Select(o => o.Roofline!).ToArray());
            h.Append(Figure(plotter.RooflineSvg(chart), $"{e.Platform.Id} ({e.Verdict.ToString().ToLowerInvariant()})."));
        }

        h.Append("</div>\n");

        h.Append("<h2>Sensitivity</h2>\n");
        h.Append(List(report.Sensitivity.Select(s => $"{s.PlatformId}: {s.Effect}"), "No single change (more DRAM bandwidth up to ×16, lower-bit weights, the next smaller model, 75 % or 50 % resolution) makes an infeasible platform feasible, or every platform is feasible already."));
        h.Append("<h2>Assumptions and sources</h2>\n");
        h.Append(List(report.Assumptions, "None."));
        h.Append("<h3>Sources of the models</h3>\n<ul>\n");
        foreach (var w in u.Workloads.DistinctBy(w => w.Model.Id))
        {
            h.Append(CultureInfo.InvariantCulture, $"<li>{E(w.Model.Id)}: {E(w.Model.Source ?? "no source recorded")}</li>\n");
        }

        h.Append("</ul>\n");
        h.Append("<h3>Sources of the platform figures</h3>\n<ul>\n");
        foreach (var (platform, key, url) in report.Platforms.SelectMany(e => e.Platform.Provenance.References.Select(r => (e.Platform.Id, r.Key, r.Value))))
        {
            h.Append(CultureInfo.InvariantCulture, $"<li>{E(platform)} {E(key)}: {E(url)}</li>\n");
        }

        h.Append("</ul>\n");

        // Checked by the report test in headless Chromium: every image decoded, every SVG present, no script error.
        h.Append("""
            <script>
            (function () {
              var errors = window.wptErrors;
              function check() {
                var broken = Array.prototype.filter.call(document.images, function (i) { return !i.complete || i.naturalWidth === 0; });
                var svgs = document.querySelectorAll('figure svg').length;
                document.body.setAttribute('data-render-check', broken.length === 0 && errors.length === 0 && svgs === document.querySelectorAll('figure').length ? 'ok' : 'failed: ' + broken.length + ' broken images, ' + errors.length + ' script errors, ' + svgs + ' svgs');
              }
              if (document.readyState === 'complete') { check(); } else { window.addEventListener('load', check); }
            })();
            </script>
            </body>
            </html>

            """);
        return h.ToString();
    }

    public static string Markdown(UseCaseReport report, string generator, MeasuredUseCase? measured = null)
    {
        var u = report.UseCase;
        var m = new StringBuilder();
        m.Append(CultureInfo.InvariantCulture, $"# {u.Name}\n\n");
        if (u.Description is not null)
        {
            m.Append(CultureInfo.InvariantCulture, $"{u.Description}\n\n");
        }

        m.Append(CultureInfo.InvariantCulture, $"From {u.Source} by {generator}.\n\n");
        m.Append(Summary(report, html: false)).Append('\n');
        m.Append("## Workloads\n\n| Workload | Model | Runs | Targets |\n|---|---|---|---|\n");
        foreach (var w in u.Workloads)
        {
            m.Append(CultureInfo.InvariantCulture, $"| {w.Id} | {w.Model.Id} ({w.Weights?.Id ?? "default format"}) | {Runs(w)} | {Targets(w)} |\n");
        }

        m.Append(CultureInfo.InvariantCulture, $"\n{Constraints(u)}\n\n## Verdict per platform\n\n| Platform | Verdict | Binds | Load | Headroom | Avg power | Energy/day | Cost | Score | Peak score | Why |\n|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
        foreach (var e in Ordered(report))
        {
            m.Append(CultureInfo.InvariantCulture, $"| {e.Platform.Id} | {e.Verdict.ToString().ToLowerInvariant()} | {(e.Predicted ? UseCaseEvaluator.Name(e.Binding) : "–")} | {(e.Predicted ? $"{e.Utilization[e.Binding]:P0}" : "–")} | {(e.Predicted && double.IsFinite(e.Headroom) ? $"×{e.Headroom:0.##}" : "–")} | {PowerText.Watts(e.AveragePowerW)} | {PowerText.WattHours(e.EnergyPerDayWh)} | {(e.CostUsd is { } c ? $"${c:0}" : "?")} | {N(e.Score?.WorkingPoint)} | {N(e.Score?.Peak)} | {e.Reason.Replace("|", "/", StringComparison.Ordinal)} |\n");
        }

        if (measured is not null)
        {
            m.Append(CultureInfo.InvariantCulture, $"\n## Measured on this machine\n\nResult {measured.ResultId} of wpt bench usecase, {measured.StartedAt.ToUniversalTime().ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture)} on {measured.Machine}: {measured.Conditions}.\n\n| Workload | Figure | Measured | Predicted | Error |\n|---|---|---:|---:|---:|\n");
            foreach (var f in measured.Figures)
            {
                m.Append(CultureInfo.InvariantCulture, $"| {f.Workload} | {f.Figure} | {N(f.Measured)} {f.Unit} | {(f.Predicted is null ? "–" : $"{N(f.Predicted)} {f.Unit}")} | {(f.ErrorPercent is { } e ? $"{e:+0;-0}%" : "–")} |\n");
            }

            if (measured.ScoreText is { } scoreText)
            {
                m.Append(CultureInfo.InvariantCulture, $"\n{scoreText}\n");
            }

            if (measured.Validity is { } validity)
            {
                m.Append(CultureInfo.InvariantCulture, $"\nRun rules: {validity}.\n");
            }
        }

        m.Append("\n## Ranking\n\n");
        foreach (var r in report.Ranking)
        {
            m.Append(CultureInfo.InvariantCulture, $"{r.Rank}. {r.Evaluation.Platform.Id} (score {r.Score:0.00}; performance {r.PerformanceAxis:0.00}, power {r.PowerAxis:0.00}, cost {r.CostAxis:0.00}){(report.ParetoFront.Contains(r.Evaluation) ? ", on the Pareto front" : string.Empty)}\n");
        }

        if (report.Ranking.Count == 0)
        {
            m.Append("No platform meets every target and constraint.\n");
        }

        m.Append("\n## Sensitivity\n\n");
        foreach (var s in report.Sensitivity)
        {
            m.Append(CultureInfo.InvariantCulture, $"- {s.PlatformId}: {s.Effect}\n");
        }

        m.Append("\n## Assumptions\n\n");
        foreach (var a in report.Assumptions)
        {
            m.Append(CultureInfo.InvariantCulture, $"- {a}\n");
        }

        return m.ToString();
    }

    private static string Summary(UseCaseReport report, bool html)
    {
        var best = report.Ranking.Count > 0 ? report.Ranking[0] : null;
        var text = best is null
            ? $"No platform of the {report.Platforms.Count} evaluated meets every target and constraint."
            : $"{report.Feasible.Count} of {report.Platforms.Count} platforms meet every target and constraint; the best by the stated priorities is {best.Evaluation.Platform.Id} ({best.Evaluation.Reason}).";
        return html ? $"<p><strong>{E(text)}</strong></p>\n" : text + "\n";
    }

    private static IEnumerable<PlatformEvaluation> Ordered(UseCaseReport report) =>
        report.Platforms.OrderBy(e => e.Verdict).ThenByDescending(e => e.Score?.WorkingPoint ?? -1).ThenBy(e => e.Platform.Id, StringComparer.Ordinal);

    private static IEnumerable<PlatformEvaluation> RooflinePlatforms(UseCaseReport report) =>
        Ordered(report).Where(e => e.Predicted && e.Workloads.Any(o => o.Roofline is not null)).Take(MaxRooflines);

    private static string Runs(UseCaseWorkload w) => w.Arrival == ArrivalKind.Frames
        ? $"{w.FramesPerSecond:0.##} FPS{(w.Duty < 1 ? $" on {w.Duty:P0} of frames" : string.Empty)} at {string.Join(" / ", w.Inputs.Select(i => i.Share < 1 ? $"{i} ({i.Share:P0})" : i.ToString()))}"
        : $"{w.RequestsPerHour:0.##} requests/h: {w.Request.PromptTokens}-token prompt{(w.Request.Images > 0 ? $" + {w.Request.Images} image ({w.Request.ImageWidth}x{w.Request.ImageHeight})" : string.Empty)}, {w.Request.GeneratedTokens} tokens out";

    private static string Targets(UseCaseWorkload w)
    {
        var t = w.Targets;
        var parts = new List<string>();
        if (t.Fps is { } fps)
        {
            parts.Add($"≥ {fps:0.##} FPS");
        }

        if (t.LatencyMs is { } l)
        {
            parts.Add($"≤ {l:0.##} ms per frame");
        }

        if (t.TokensPerSecond is { } tps)
        {
            parts.Add($"≥ {tps:0.##} tok/s");
        }

        if (t.TimeToFirstTokenMs is { } ttft)
        {
            parts.Add($"TTFT ≤ {ttft:0} ms");
        }

        return parts.Count == 0 ? "none" : string.Join(", ", parts);
    }

    private static string Constraints(UseCase u)
    {
        var c = u.Constraints;
        var parts = new List<string>();
        if (c.SustainedPowerW is { } w)
        {
            parts.Add($"{PowerText.Watts(w)} sustained{(c.Passive ? " (passive cooling)" : string.Empty)}");
        }

        if (c.UnitCostUsd is { } cost)
        {
            parts.Add($"unit cost ≤ ${cost:0}");
        }

        if (c.MemoryGiB is { } mem)
        {
            parts.Add($"memory ≤ {mem:0.##} GiB");
        }

        if (c.EnergyPerDayWh is { } e)
        {
            parts.Add($"≤ {PowerText.WattHours(e)} a day");
        }

        parts.Add($"active {u.ActiveHoursPerDay:0.#} h a day");
        return "Constraints: " + string.Join("; ", parts) + ".";
    }

    private static string Figure(string svg, string caption) => $"<figure>{svg}<figcaption class=\"note\">{E(caption)}</figcaption></figure>\n";

    private static string List(IEnumerable<string> items, string empty)
    {
        var list = items.ToArray();
        return list.Length == 0 ? $"<p class=\"note\">{E(empty)}</p>\n" : "<ul>\n" + string.Concat(list.Select(i => $"<li>{E(i)}</li>\n")) + "</ul>\n";
    }

    /// <summary>A tooltip saying why a platform's power figures are unknown, and the lower bound that is known.</summary>
    private static string PowerTitle(PlatformEvaluation e) => e.PowerUnknownBecause is { } why
        ? $" title=\"{E(why + (e.AveragePowerAtLeastW is { } least ? $"; at least {PowerText.Watts(least)} on average" : string.Empty))}\""
        : string.Empty;

    private static string N(double? value) => value is { } v && double.IsFinite(v) ? v.ToString(v >= 100 ? "0" : v >= 10 ? "0.#" : "0.##", CultureInfo.InvariantCulture) : "?";

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
