using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using WorkingPoint.Catalog.UseCases;
using WorkingPoint.Evaluation.UseCases;
using WorkingPoint.Lab;
using WorkingPoint.Results;
using static WorkingPoint.Server.DashboardPages.Html;

namespace WorkingPoint.Server.DashboardPages;

/// <summary>A rendered page and its status (200 unless said).</summary>
internal sealed record PageOutcome(string Html, int? Status = null);

/// <summary>
/// The dashboard's pages. Each reads only what it shows: one page of results (never all of them), the newest result per subject
/// for the matrix and use cases (<see cref="IResultStore.LatestPerSubjectAsync"/>, one grouped query), the devices and a bounded
/// list of jobs.
/// </summary>
internal sealed partial class Pages(ILabStore store, DashboardOptions options)
{
    private const int JobsShown = 200;
    private readonly LabFigures _figures = new(options.Catalog);
    private readonly ResultPlots _plots = new();
    private readonly ConcurrentUseCaseReports _useCases = new(options);

    public static string Login(string? returnPath, string? error)
    {
        var h = new Html();
        h.Heading("Log in to the lab");
        if (error is not null)
        {
            h.Paragraph(error, "error");
        }

        h.Raw($"<form method=\"post\" action=\"{DashboardRoutes.Login}\" class=\"login\">\n<label for=\"token\">Token</label>\n<input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"off\" required>\n<input type=\"hidden\" name=\"return\" value=\"{E(DashboardAuth.SafeReturn(returnPath))}\">\n<button type=\"submit\">Log in</button>\n</form>\n");
        h.Paragraph("Paste a reader, submitter or admin token (wpt tokens create NAME --role reader). It is kept in an HttpOnly cookie for this site only; log out to forget it.", "note");
        return h.Page("Log in", viewer: null);
    }

    public static string Refused(LabPrincipal principal)
    {
        var h = new Html();
        h.Heading("Not for agent tokens");
        h.Paragraph($"The token '{principal.Name}' is an agent's: it may register its device and run its jobs, not view the lab. Log in with a reader token.", "error");
        h.Raw($"<form method=\"post\" action=\"{DashboardRoutes.Logout}\"><button type=\"submit\">Log out</button></form>\n");
        return h.Page("Forbidden", viewer: null);
    }

    public async Task<PageOutcome> DevicesAsync(LabPrincipal viewer, CancellationToken cancellationToken)
    {
        var devices = await store.ListDevicesAsync(cancellationToken).ConfigureAwait(false);
        var h = new Html();
        h.Heading("Devices");
        if (devices.Count == 0)
        {
            h.Paragraph("No device has registered yet: start an agent on a board (wpt agent --server URL --token AGENT_TOKEN).", "note");
        }

        var rooflines = new List<(LabDevice Device, StoredMeasurement Result)>();
        var rows = new List<IReadOnlyList<string>>();
        foreach (var d in devices)
        {
            var found = await store.Results.QueryAsync(new ResultQuery(Kind: MeasurementKind.Roofline, Device: d.Id, Limit: 1, WithSamples: false), cancellationToken).ConfigureAwait(false);
            var roofline = found.Count > 0 ? found[0] : null;
            if (roofline is not null)
            {
                rooflines.Add((d, roofline));
            }

            rows.Add([
                $"<td id=\"device-{E(d.Id)}\">{Link($"{DashboardRoutes.Results}?{Query(("device", d.Id))}", d.Name)}</td>",
                E(d.Platform ?? "—"),
                string.Join(" ", d.Labels.Select(l => $"<span class=\"label\">{E(l)}</span>")),
                E(d.Fingerprint.ToString()),
                E(string.Join(", ", d.Capabilities.Runtimes.Select(r => $"{r.Key} {r.Value}"))),
                E(Time(d.LastSeenAt)),
                roofline is null ? "—" : Link(DashboardRoutes.Result(roofline.Id), $"#{roofline.Id}"),
            ]);
        }

        h.Table(["Name", "Platform", "Labels", "Fingerprint", "Runtimes", "Last seen", "Roofline"], rows, "devices");
        if (rooflines.Count > 0)
        {
            h.Heading("Measured rooflines", 2).Raw("<div class=\"grid\">\n");
            foreach (var (device, result) in rooflines)
            {
                h.Raw(Image(DashboardRoutes.Plot(result.Id, ResultPlots.Roofline), $"Measured roofline of {device.Name}"));
            }

            h.Raw("</div>\n");
        }

        return new PageOutcome(h.Page("Devices", viewer, DashboardRoutes.Devices));
    }

    public async Task<PageOutcome> JobsAsync(LabPrincipal viewer, StringValues stateText, CancellationToken cancellationToken)
    {
        JobState? state = null;
        var h = new Html();
        h.Heading("Job queue");
        if (!StringValues.IsNullOrEmpty(stateText) && stateText.ToString() != "all")
        {
            if (!Enum.TryParse<JobState>(stateText.ToString(), ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed))
            {
                h.Paragraph($"Unknown state '{stateText}': use one of {string.Join(", ", Enum.GetNames<JobState>().Select(n => n.ToLowerInvariant()))}.", "error");
                return new PageOutcome(h.Page("Job queue", viewer, DashboardRoutes.Jobs), StatusCodes.Status400BadRequest);
            }

            state = parsed;
        }

        var devices = (await store.ListDevicesAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(d => d.Id, d => d.Name, StringComparer.Ordinal);
        var jobs = await store.ListJobsAsync(state: state, limit: JobsShown, cancellationToken: cancellationToken).ConfigureAwait(false);
        h.Raw($"<form method=\"get\" action=\"{DashboardRoutes.Jobs}\" class=\"filters\">\n<label for=\"state\">State</label>\n<select id=\"state\" name=\"state\">\n<option value=\"all\">all</option>\n");
        foreach (var s in Enum.GetValues<JobState>())
        {
            var name = s.ToString().ToLowerInvariant();
            h.Raw($"<option value=\"{name}\"{(state == s ? " selected" : string.Empty)}>{name}</option>\n");
        }

        h.Raw("</select>\n<button type=\"submit\">Filter</button>\n</form>\n");
        h.Paragraph(jobs.Count == JobsShown ? $"The newest {JobsShown} jobs." : $"{jobs.Count} job{(jobs.Count == 1 ? string.Empty : "s")}.", "note");
        h.Table(
            ["Job", "State", "Device", "Kind", "Model", "Runtime", "Attempts", "Lease until", "Submitted", "Message", "Results"],
            jobs.Select(j => (IReadOnlyList<string>)[
                E($"#{j.Id}"),
                $"<td class=\"state-{j.State.ToString().ToLowerInvariant()}\">{E(j.State.ToString().ToLowerInvariant())}</td>",
                E(devices.GetValueOrDefault(j.DeviceId) ?? j.DeviceId),
                E(j.Spec.Kind.ToString().ToLowerInvariant() + (j.Spec.Scenario is { } sc ? $" ({sc})" : string.Empty)),
                E(j.Spec.Model ?? "—"),
                E(j.Spec.Runtime ?? "—"),
                E(j.Attempts.ToString(CultureInfo.InvariantCulture)),
                E(Time(j.LeaseExpiresAt)),
                E($"{Time(j.SubmittedAt)} by {j.SubmittedBy}"),
                E(j.Message ?? string.Empty),
                string.Join(" ", j.ResultIds.Select(id => Link(DashboardRoutes.Result(id), $"#{id}"))),
            ]),
            "jobs");
        return new PageOutcome(h.Page("Job queue", viewer, DashboardRoutes.Jobs));
    }

    public async Task<PageOutcome> ResultsAsync(LabPrincipal viewer, IQueryCollection query, CancellationToken cancellationToken)
    {
        string? Text(string name) => query[name].ToString() is { Length: > 0 } v ? v.Trim() : null;
        var h = new Html();
        h.Heading("Results");
        MeasurementKind? kind = null;
        if (Text("kind") is { } kindText)
        {
            if (!Enum.TryParse<MeasurementKind>(kindText, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed))
            {
                h.Paragraph($"Unknown kind '{kindText}': use one of {string.Join(", ", Enum.GetNames<MeasurementKind>().Select(n => n.ToLowerInvariant()))}.", "error");
                return new PageOutcome(h.Page("Results", viewer, DashboardRoutes.Results), StatusCodes.Status400BadRequest);
            }

            kind = parsed;
        }

        long? before = null;
        if (Text("before") is { } beforeText)
        {
            if (!long.TryParse(beforeText, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                h.Paragraph($"'before' must be a result id, not '{beforeText}'.", "error");
                return new PageOutcome(h.Page("Results", viewer, DashboardRoutes.Results), StatusCodes.Status400BadRequest);
            }

            before = id;
        }

        // One more than a page: whether there is an older page, without counting. The list shows metrics only, so no samples are read.
        var filter = new ResultQuery(Kind: kind, Device: Text("device"), Platform: Text("platform"), Model: Text("model"), Runtime: Text("runtime"), Limit: options.ResultsPageSize + 1, BeforeId: before, WithSamples: false);
        var fetched = await store.Results.QueryAsync(filter, cancellationToken).ConfigureAwait(false);
        var page = fetched.Take(options.ResultsPageSize).ToArray();
        var total = await store.Results.CountAsync(filter, cancellationToken).ConfigureAwait(false);

        h.Raw($"<form method=\"get\" action=\"{DashboardRoutes.Results}\" class=\"filters\">\n<label for=\"kind\">Kind</label>\n<select id=\"kind\" name=\"kind\">\n<option value=\"\">any</option>\n");
        foreach (var k in Enum.GetValues<MeasurementKind>())
        {
            var name = k.ToString().ToLowerInvariant();
            h.Raw($"<option value=\"{name}\"{(kind == k ? " selected" : string.Empty)}>{name}</option>\n");
        }

        h.Raw("</select>\n");
        foreach (var (name, label) in new[] { ("device", "Device id"), ("platform", "Platform"), ("model", "Model"), ("runtime", "Runtime") })
        {
            h.Raw($"<label for=\"{name}\">{E(label)}</label>\n<input id=\"{name}\" name=\"{name}\" value=\"{E(Text(name))}\" size=\"16\">\n");
        }

        h.Raw("<button type=\"submit\">Filter</button>\n</form>\n");
        h.Paragraph($"{total} result{(total == 1 ? string.Empty : "s")} match; newest first, {options.ResultsPageSize} a page. Tick two to compare them.", "note");
        h.Raw($"<form method=\"get\" action=\"{DashboardRoutes.Compare}\">\n");
        h.Table(
            ["", "Result", "Started", "Kind", "Device", "Platform", "Model", "Weights", "Runtime", "Unit", "Figure", "Verdict", "Status"],
            page.Select(r =>
            {
                var s = r.Record.Subject;
                var headline = LabFigures.Headline(r.Record);
                return (IReadOnlyList<string>)[
                    $"<input type=\"checkbox\" name=\"id\" value=\"{r.Id}\" aria-label=\"compare result {r.Id}\">",
                    Link(DashboardRoutes.Result(r.Id), $"#{r.Id}"),
                    E(Time(r.Record.StartedAt)),
                    E(r.Record.Kind.ToString().ToLowerInvariant()),
                    E(s.Device),
                    E(s.Platform ?? "—"),
                    $"<td class=\"model\">{E(s.Model ?? "—")}</td>",
                    E(s.Weights ?? "—"),
                    E(s.Runtime ?? "—"),
                    E(s.Unit ?? "—"),
                    headline is null ? "—" : E($"{headline.Name} {N(headline.Value)} {headline.Unit}"),
                    VerdictCell(r.Record.Verdict),
                    E(r.Record.Status.ToString().ToLowerInvariant()),
                ];
            }),
            "results");
        h.Raw("<button type=\"submit\">Compare the two ticked</button>\n</form>\n<p class=\"pager\">");
        var filters = Query(("kind", kind?.ToString().ToLowerInvariant()), ("device", filter.Device), ("platform", filter.Platform), ("model", filter.Model), ("runtime", filter.Runtime));
        if (before is not null)
        {
            h.Raw(Link($"{DashboardRoutes.Results}?{filters}", "« Newest")).Raw(" ");
        }

        if (fetched.Count > options.ResultsPageSize)
        {
            h.Raw(Link($"{DashboardRoutes.Results}?{Query(("kind", kind?.ToString().ToLowerInvariant()), ("device", filter.Device), ("platform", filter.Platform), ("model", filter.Model), ("runtime", filter.Runtime), ("before", page.Min(r => r.Id).ToString(CultureInfo.InvariantCulture)))}", "Older »"));
        }

        h.Raw("</p>\n");
        return new PageOutcome(h.Page("Results", viewer, DashboardRoutes.Results));
    }

    public async Task<PageOutcome> ResultAsync(LabPrincipal viewer, long id, CancellationToken cancellationToken)
    {
        var stored = await store.Results.FindAsync(id, cancellationToken).ConfigureAwait(false);
        var h = new Html();
        if (stored is null)
        {
            h.Heading("No such result").Paragraph($"No result has id {id}.", "error");
            return new PageOutcome(h.Page("Not found", viewer), StatusCodes.Status404NotFound);
        }

        var r = stored.Record;
        var s = r.Subject;
        h.Heading($"Result #{id}: {r.Kind.ToString().ToLowerInvariant()} {s.Model ?? string.Empty}".TrimEnd());
        h.Facts([
            ("Started", E(Time(r.StartedAt))),
            ("Duration", E($"{N(r.Duration.TotalSeconds)} s")),
            ("Status", E(r.Status.ToString().ToLowerInvariant())),
            ("Device", Link($"{DashboardRoutes.Results}?{Query(("device", s.Device))}", s.Device)),
            ("Platform", E(s.Platform ?? "—")),
            ("Model", E(s.Model ?? "—") + (r.ModelSha256 is { } sha ? $" <span class=\"note\">sha256 {E(sha)}</span>" : string.Empty)),
            ("Weights", E(s.Weights ?? "—")),
            ("Runtime", E(s.Runtime ?? "—")),
            ("Unit", E(s.Unit ?? "—")),
            ("Machine", E(r.Platform.ToString())),
            ("Software", E(string.Join(", ", r.Platform.RuntimeVersions.Select(v => $"{v.Key} {v.Value}")))),
            ("Saved by", E(stored.WptVersion is null ? "—" : $"wpt {stored.WptVersion}{(stored.WptCommit is { } c ? $" ({c})" : string.Empty)}")),
        ]);
        if (r.Notes is { Length: > 0 } notes)
        {
            h.Paragraph(notes, "note");
        }

        var comparable = LabFigures.Comparable(r);
        if (comparable is not null)
        {
            var predicted = _figures.Predicted(r);
            var error = LabFigures.ErrorPercent(comparable, predicted);
            h.Heading("Against the prediction", 2);
            h.Paragraph(predicted.Value is { } p
                ? $"Measured {comparable.Name} {N(comparable.Value)} {comparable.Unit}; the catalog's analytic model predicts {N(p)} {predicted.Unit} ({Error(error)})."
                : $"Measured {comparable.Name} {N(comparable.Value)} {comparable.Unit}; no prediction: {predicted.Why}.");
        }

        h.Heading("Verdict", 2);
        if (r.Verdict is { } verdict)
        {
            h.Raw($"<p class=\"{(verdict.Validity == Validity.Valid ? "valid" : "invalid")}\">").Text(verdict.Summary).Raw("</p>\n");
            h.Paragraph($"Rules: {verdict.Rules}", "note");
            if (verdict.Warnings.Count > 0)
            {
                h.Raw("<ul class=\"warnings\">\n").Raw(string.Concat(verdict.Warnings.Select(w => $"<li>{E(w)}</li>\n"))).Raw("</ul>\n");
            }
        }
        else
        {
            h.Paragraph("This kind of run has no rules, or it was saved before wpt judged runs.", "note");
        }

        h.Heading("Metrics", 2);
        h.Table(["Metric", "Value", "Unit"], r.Metrics.Select(m => (IReadOnlyList<string>)[$"<td class=\"l\">{E(m.Name)}</td>", E(N(m.Value)), $"<td class=\"l\">{E(m.Unit)}</td>"]), "metrics");

        var plots = ResultPlots.Available(r);
        if (plots.Count > 0)
        {
            h.Heading("Plots", 2).Raw("<div class=\"grid\">\n");
            foreach (var (plot, alt) in plots)
            {
                h.Raw(Image(DashboardRoutes.Plot(id, plot), alt));
            }

            h.Raw("</div>\n");
        }

        h.Heading("Parameters", 2);
        h.Table(["Parameter", "Value"], r.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (IReadOnlyList<string>)[$"<td class=\"l\">{E(p.Key)}</td>", $"<td class=\"l\">{E(p.Value)}</td>"]));
        h.Heading("Manifest", 2);
        if (r.Manifest is { } manifest)
        {
            h.Table(["Field", "Value"], manifest.Entries().Select(e => (IReadOnlyList<string>)[$"<td class=\"l\">{E(e.Name)}</td>", $"<td class=\"l\"><code>{E(e.Value)}</code></td>"]), "manifest");
        }
        else
        {
            h.Paragraph("Not recorded (saved before wpt kept manifests).", "note");
        }

        h.Heading("Raw samples", 2);
        h.Table(["Series", "Unit", "Samples", "Min", "Max"], r.Samples.Select(x => (IReadOnlyList<string>)[$"<td class=\"l\">{E(x.Name)}</td>", $"<td class=\"l\">{E(x.Unit)}</td>", E(x.Values.Count.ToString(CultureInfo.InvariantCulture)), E(N(x.Values.Count > 0 ? x.Values.Min() : null)), E(N(x.Values.Count > 0 ? x.Values.Max() : null))]));
        return new PageOutcome(h.Page($"Result #{id}", viewer, DashboardRoutes.Results));
    }

    public async Task<PageOutcome> CompareAsync(LabPrincipal viewer, StringValues ids, CancellationToken cancellationToken)
    {
        var h = new Html();
        h.Heading("Two results compared");
        var parsed = ids.Select(i => long.TryParse(i, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : (long?)null).ToArray();
        if (parsed.Length != 2 || parsed.Any(p => p is null))
        {
            h.Paragraph("Pick exactly two results to compare: tick two on the results page (or /compare?id=A&id=B).", "error");
            return new PageOutcome(h.Page("Compare", viewer, DashboardRoutes.Results), StatusCodes.Status400BadRequest);
        }

        var a = await store.Results.FindAsync(parsed[0]!.Value, cancellationToken).ConfigureAwait(false);
        var b = await store.Results.FindAsync(parsed[1]!.Value, cancellationToken).ConfigureAwait(false);
        if (a is null || b is null)
        {
            h.Paragraph($"No result has id {(a is null ? parsed[0] : parsed[1])}.", "error");
            return new PageOutcome(h.Page("Compare", viewer, DashboardRoutes.Results), StatusCodes.Status404NotFound);
        }

        string Side(StoredMeasurement m, Func<MeasurementRecord, string?> field) => E(field(m.Record) ?? "—");
        h.Table(
            ["", $"#{a.Id}", $"#{b.Id}"],
            new (string Name, Func<MeasurementRecord, string?> Field)[]
            {
                ("started", r => Time(r.StartedAt)), ("kind", r => r.Kind.ToString().ToLowerInvariant()), ("device", r => r.Subject.Device),
                ("platform", r => r.Subject.Platform), ("model", r => r.Subject.Model), ("weights", r => r.Subject.Weights),
                ("runtime", r => r.Subject.Runtime), ("unit", r => r.Subject.Unit), ("machine", r => r.Platform.ToString()),
                ("verdict", r => r.Verdict?.Summary), ("status", r => r.Status.ToString().ToLowerInvariant()),
            }.Select(f => (IReadOnlyList<string>)[$"<th>{E(f.Name)}</th>", $"<td class=\"l\">{Side(a, f.Field)}</td>", $"<td class=\"l\">{Side(b, f.Field)}</td>"]),
            "subjects");

        h.Heading("Metrics", 2);
        var left = a.Record.Metrics.GroupBy(m => m.Name).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var right = b.Record.Metrics.GroupBy(m => m.Name).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var names = a.Record.Metrics.Select(m => m.Name).Concat(b.Record.Metrics.Select(m => m.Name)).Distinct(StringComparer.Ordinal);
        h.Table(
            ["Metric", $"#{a.Id}", $"#{b.Id}", $"#{b.Id} ÷ #{a.Id}"],
            names.Select(n =>
            {
                var x = left.GetValueOrDefault(n);
                var y = right.GetValueOrDefault(n);
                var ratio = x is not null && y is not null && x.Unit == y.Unit && x.Value != 0 ? y.Value / x.Value : (double?)null;
                return (IReadOnlyList<string>)[$"<td class=\"l\">{E(n)}</td>", E(x is null ? "—" : $"{N(x.Value)} {x.Unit}"), E(y is null ? "—" : $"{N(y.Value)} {y.Unit}"), E(ratio is { } q ? $"×{q:0.###}" : "—")];
            }),
            "metrics");

        h.Heading("Manifest differences", 2);
        var differences = RunManifest.Differences(a.Record.Manifest, b.Record.Manifest);
        if (differences.Count == 0)
        {
            h.Paragraph("None: both runs were set up alike.", "note");
        }
        else
        {
            h.Raw("<ul id=\"manifest-differences\">\n").Raw(string.Concat(differences.Select(d => $"<li><code>{E(d)}</code></li>\n"))).Raw("</ul>\n");
        }

        return new PageOutcome(h.Page("Compare", viewer, DashboardRoutes.Results));
    }

    public async Task<PageOutcome> MatrixAsync(LabPrincipal viewer, CancellationToken cancellationToken)
    {
        var latest = await LatestMeasuredAsync(cancellationToken).ConfigureAwait(false);
        var h = new Html();
        h.Heading("Predicted against measured");
        h.Paragraph("Each cell: the newest complete result for the platform and model (LLMs: decode tok/s; networks: latency p50 ms), the catalog's analytic prediction for the same weights, and the error (measured ÷ predicted − 1). A device that names no catalog platform (an agent on unknown hardware) gets a row of its own, predicted on its newest measured roofline. — where there is no prediction; hover for why.", "note");
        h.Raw("<p class=\"legend\"><span class=\"err-good\">within 15 %</span> <span class=\"err-fair\">within 35 %</span> <span class=\"err-poor\">beyond 35 %</span> <span class=\"err-none\">no prediction</span></p>\n");
        if (latest.Count == 0)
        {
            h.Paragraph("No LLM or network result yet: queue a job (wpt jobs submit) or push results (wpt results push).", "note");
            return new PageOutcome(h.Page("Matrix", viewer, DashboardRoutes.Matrix));
        }

        var platforms = latest.Keys.Select(k => k.Platform).Distinct().Order(StringComparer.Ordinal).ToArray();
        var models = latest.Keys.Select(k => k.Model).Distinct().Order(StringComparer.Ordinal).ToArray();
        h.Raw("<table id=\"matrix\" class=\"matrix\">\n<thead><tr><th>Platform \\ model</th>");
        foreach (var m in models)
        {
            h.Raw("<th class=\"model\">").Text(m).Raw("</th>");
        }

        h.Raw("</tr></thead>\n<tbody>\n");
        foreach (var p in platforms)
        {
            h.Raw("<tr><th>").Text(p).Raw("</th>");
            foreach (var m in models)
            {
                if (!latest.TryGetValue((p, m), out var cell))
                {
                    h.Raw("<td class=\"empty\"></td>");
                    continue;
                }

                var (result, deviceRoofline) = cell;
                var measured = LabFigures.Comparable(result.Record)!;
                var predicted = LabFigures.NamesCatalogPlatform(result.Record.Subject) ? _figures.Predicted(result.Record)
                    : deviceRoofline is not null ? _figures.PredictedOnMeasured(result.Record, deviceRoofline)
                    : new PredictedFigure(null, string.Empty, "the device names no catalog platform and has no roofline result to predict on; queue one (wpt jobs submit roofline --device ID --param quick=true)");
                var error = LabFigures.ErrorPercent(measured, predicted);
                var why = predicted.Why is null ? string.Empty : $" title=\"{E(predicted.Why)}\"";
                h.Raw($"<td class=\"cell {LabFigures.ErrorClass(error)}\"{why}>")
                    .Raw(Link(DashboardRoutes.Result(result.Id), $"{N(measured.Value)} {measured.Unit}"))
                    .Raw("<br><span class=\"predicted\">").Text(predicted.Value is { } v ? $"predicted {N(v)} {predicted.Unit}" : "predicted —").Raw("</span>")
                    .Raw("<br><span class=\"error\">").Text(Error(error)).Raw("</span></td>");
            }

            h.Raw("</tr>\n");
        }

        h.Raw("</tbody>\n</table>\n");
        return new PageOutcome(h.Page("Matrix", viewer, DashboardRoutes.Matrix));
    }

    public PageOutcome UseCaseList(LabPrincipal viewer)
    {
        var h = new Html();
        h.Heading("Use cases");
        if (options.UseCases.Count == 0)
        {
            h.Paragraph("This server was started without use cases (DashboardOptions.UseCases).", "note");
        }

        h.Raw("<ul>\n");
        for (var i = 0; i < options.UseCases.Count; i++)
        {
            h.Raw("<li>").Raw(Link(DashboardRoutes.UseCase(i), options.UseCases[i].Name)).Raw(" — ").Text(options.UseCases[i].Description ?? options.UseCases[i].Source).Raw("</li>\n");
        }

        h.Raw("</ul>\n");
        return new PageOutcome(h.Page("Use cases", viewer, DashboardRoutes.UseCases));
    }

    public async Task<PageOutcome> UseCaseAsync(LabPrincipal viewer, int index, CancellationToken cancellationToken)
    {
        var h = new Html();
        if (index < 0 || index >= options.UseCases.Count)
        {
            h.Heading("No such use case").Paragraph($"There is no use case {index}; the list has {options.UseCases.Count}.", "error");
            return new PageOutcome(h.Page("Not found", viewer, DashboardRoutes.UseCases), StatusCodes.Status404NotFound);
        }

        var useCase = options.UseCases[index];
        var report = _useCases.Report(index);
        var latest = await LatestMeasuredAsync(cancellationToken).ConfigureAwait(false);
        h.Heading(useCase.Name);
        if (useCase.Description is not null)
        {
            h.Paragraph(useCase.Description);
        }

        h.Paragraph("Each platform's predicted verdict for the whole use case, and per workload the predicted figure alone on the platform (frames: latency ms; LLM requests: decode tok/s) with the lab's newest measured figure for that platform and model beside it.", "note");
        var header = new List<string> { "Platform", "Verdict", "Why" };
        foreach (var w in useCase.Workloads)
        {
            header.Add($"{w.Id} ({w.Model.Id}) predicted");
            header.Add($"{w.Id} measured");
        }

        var measuredPlatforms = latest.Keys.Select(k => k.Platform).ToHashSet(StringComparer.Ordinal);
        var ordered = report.Platforms
            .OrderByDescending(e => measuredPlatforms.Contains(e.Platform.Id))
            .ThenBy(e => e.Verdict)
            .ThenBy(e => e.Platform.Id, StringComparer.Ordinal);
        h.Table(header, ordered.Select(e =>
        {
            var verdict = e.Verdict.ToString().ToLowerInvariant();
            var cells = new List<string> { E(e.Platform.Id), $"<td class=\"{verdict}\">{E(verdict)}</td>", $"<td class=\"l\">{E(e.Reason)}</td>" };
            foreach (var w in useCase.Workloads)
            {
                var outcome = e.Workloads.FirstOrDefault(o => o.Id == w.Id);
                var frames = w.Arrival == ArrivalKind.Frames;
                cells.Add(outcome is null ? "—" : frames ? E($"{N(outcome.LatencyAloneMs)} ms") : E($"{N(outcome.RateAlone)} {outcome.RateUnit}"));
                if (latest.TryGetValue((e.Platform.Id, w.Model.Id), out var cell) && cell.Result is var measured && LabFigures.Comparable(measured.Record) is { } figure)
                {
                    var predictedValue = outcome is null ? (double?)null : frames ? outcome.LatencyAloneMs : outcome.RateAlone;
                    var error = predictedValue is { } pv && pv > 0 ? ((figure.Value / pv) - 1) * 100 : (double?)null;
                    cells.Add($"<td class=\"measured {LabFigures.ErrorClass(error)}\">{Link(DashboardRoutes.Result(measured.Id), $"{N(figure.Value)} {figure.Unit}")}</td>");
                }
                else
                {
                    cells.Add("<td class=\"none\">not measured</td>");
                }
            }

            return (IReadOnlyList<string>)cells;
        }), "usecase");
        return new PageOutcome(h.Page(useCase.Name, viewer, DashboardRoutes.UseCases));
    }

    public async Task<string?> PlotAsync(long id, string plot, CancellationToken cancellationToken)
    {
        var stored = await store.Results.FindAsync(id, cancellationToken).ConfigureAwait(false);
        return stored is null ? null : _plots.Svg(stored, plot);
    }

    /// <summary>
    /// The newest complete LLM or network result per catalog platform and model, from one grouped query: what the matrix and the
    /// use cases compare with their predictions. A result whose device names no catalog platform (an agent on unknown hardware)
    /// gets a row of its own device, with that device's newest roofline result to predict on (null when it has none).
    /// </summary>
    private async Task<IReadOnlyDictionary<(string Platform, string Model), (StoredMeasurement Result, StoredMeasurement? DeviceRoofline)>> LatestMeasuredAsync(CancellationToken cancellationToken)
    {
        var cells = new Dictionary<(string, string), (StoredMeasurement, StoredMeasurement?)>();
        var latest = await store.Results.LatestPerSubjectAsync(new ResultQuery(Status: RunStatus.Complete, WithSamples: false), cancellationToken).ConfigureAwait(false);
        var rooflines = new Dictionary<string, StoredMeasurement>(StringComparer.Ordinal);
        foreach (var r in latest.Where(r => r.Record.Kind == MeasurementKind.Roofline))
        {
            rooflines.TryAdd(r.Record.Subject.Device, r); // newest first: the first is the device's newest
        }

        Dictionary<string, string>? deviceNames = null;
        foreach (var r in latest)
        {
            if (r.Record.Subject is not { Model: { } model } subject || LabFigures.Comparable(r.Record) is null)
            {
                continue;
            }

            var placed = LabFigures.NamesCatalogPlatform(subject);
            if (!placed)
            {
                deviceNames ??= (await store.ListDevicesAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(d => d.Id, d => d.Name, StringComparer.Ordinal);
            }

            var row = placed ? subject.Platform! : $"{deviceNames!.GetValueOrDefault(subject.Device) ?? subject.Device} (device, measured)";
            if (!cells.TryGetValue((row, model), out var known) || (r.Record.StartedAt, r.Id).CompareTo((known.Item1.Record.StartedAt, known.Item1.Id)) > 0)
            {
                cells[(row, model)] = (r, placed ? null : rooflines.GetValueOrDefault(subject.Device));
            }
        }

        return cells;
    }

    private static string Error(double? errorPercent) => errorPercent is { } e ? string.Create(CultureInfo.InvariantCulture, $"error {e:+0;-0;0} %") : "no prediction to compare with";

    private static string VerdictCell(RunVerdict? verdict) => verdict is null
        ? "—"
        : $"<td class=\"{(verdict.Validity == Validity.Valid ? "valid" : "invalid")}\">{E(verdict.Validity == Validity.Valid ? "valid" : "invalid")}</td>";

    /// <summary>Each use case's report, computed once on first view: the catalog does not change while the server runs.</summary>
    private sealed class ConcurrentUseCaseReports(DashboardOptions options)
    {
        private readonly Lazy<UseCaseReport>[] _reports = [.. options.UseCases.Select(u => new Lazy<UseCaseReport>(() => new UseCaseEvaluator(options.Catalog).Evaluate(u, sensitivity: false)))];

        public UseCaseReport Report(int index) => _reports[index].Value;
    }
}
