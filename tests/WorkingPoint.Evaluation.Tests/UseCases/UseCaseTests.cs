using FsCheck;
using FsCheck.Xunit;
using WorkingPoint.Catalog;
using WorkingPoint.Catalog.UseCases;
using WorkingPoint.Evaluation.UseCases;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Tests.Shared;

namespace WorkingPoint.Evaluation.Tests.UseCases;

public sealed class UseCaseTests
{
    private static readonly UseCaseEvaluator Evaluator = new(Catalog.Catalog.BuiltIn);

    private static string Example(string name) => Path.Combine(TestModels.RepositoryRoot, "examples", name);

    private static UseCase Parse(string yaml) => UseCaseYaml.Parse("case.yaml", yaml, Catalog.Catalog.BuiltIn);

    private const string Camera = """
        name: Camera
        workloads:
          - id: detector
            model: yolov8s
            weights: int8
            fps: 30
            inputs:
              - { size: 1280x720, share: 0.75 }
              - { size: 1920x1080, share: 0.25 }
            targets: { latencyMs: 50 }
          - id: assistant
            model: llama-3.2-1b
            requestsPerHour: 60
            prompt: 256
            gen: 64
            targets: { tokensPerSecond: 10 }
        """;

    [Theory]
    [InlineData("smart-camera.yaml")]
    [InlineData("home-assistant.yaml")]
    [InlineData("robot.yaml")]
    [InlineData("battery-sensor.yaml")]
    public void Every_shipped_example_is_valid_and_some_platform_meets_it(string file)
    {
        var report = Evaluator.Evaluate(UseCaseYaml.Load(Example(file), Catalog.Catalog.BuiltIn));
        Assert.NotEmpty(report.Feasible);
        Assert.Equal(report.Feasible.Count, report.Ranking.Count);
        Assert.All(report.ParetoFront, e => Assert.Contains(e, report.Feasible));
        Assert.NotEmpty(report.ParetoFront);
        Assert.Equal(Enumerable.Range(1, report.Ranking.Count), report.Ranking.Select(r => r.Rank));
    }

    [Fact]
    public void The_reference_platform_scores_100_at_the_working_point_and_at_peak()
    {
        var useCase = Parse(Camera);
        var reference = Evaluator.Evaluate(useCase).Platforms.Single(p => p.Platform.Id == useCase.ReferencePlatform);
        Assert.Equal(100, reference.Score!.WorkingPoint, 6);
        Assert.Equal(100, reference.Score.Peak, 6);
        Assert.All(reference.Score.Categories.Values, v => Assert.Equal(100, v, 6));
    }

    [Fact]
    public void Measured_figures_equal_to_the_reference_platforms_score_100_and_twice_as_fast_everywhere_scores_200()
    {
        var useCase = Parse(Camera);
        var reference = Evaluator.ReferenceProfile(useCase)!;
        var workingPoint = reference.Take(useCase.Workloads.Count).Select(v => (double?)v).ToArray();

        Assert.Equal(100, CompositeScore.MeasuredWorkingPoint(useCase, workingPoint, reference)!.Value, 6);
        Assert.Equal(200, CompositeScore.MeasuredWorkingPoint(useCase, workingPoint.Select(v => v * 2).ToArray(), reference)!.Value, 6);
        // The same composite the prediction reports: the reference platform's own predicted working point scores what EvaluateOn says.
        var evaluated = Evaluator.EvaluateOn(useCase, Catalog.Catalog.BuiltIn.ResolvePlatform(useCase.ReferencePlatform), reference);
        Assert.Equal(evaluated.Score!.WorkingPoint, CompositeScore.MeasuredWorkingPoint(useCase, workingPoint, reference)!.Value, 6);
    }

    [Fact]
    public void A_measured_composite_needs_every_workload_measured_and_a_reference()
    {
        var useCase = Parse(Camera);
        var reference = Evaluator.ReferenceProfile(useCase)!;
        var missingOne = reference.Take(useCase.Workloads.Count).Select((v, i) => i == 0 ? null : (double?)v).ToArray();

        Assert.Null(CompositeScore.MeasuredWorkingPoint(useCase, missingOne, reference));
        Assert.Null(CompositeScore.MeasuredWorkingPoint(useCase, reference.Take(useCase.Workloads.Count).Select(v => (double?)v).ToArray(), null));
    }

    [Fact]
    public void The_input_distribution_sets_the_load_not_the_peak_size()
    {
        var at720 = Parse(Camera.Replace("- { size: 1920x1080, share: 0.25 }", string.Empty, StringComparison.Ordinal).Replace("share: 0.75", "share: 1", StringComparison.Ordinal));
        var mixed = Parse(Camera);
        var platform = Catalog.Catalog.BuiltIn.ResolvePlatform("jetson-orin-nano-8gb-super");
        var light = Evaluator.EvaluateOn(at720, platform);
        var heavy = Evaluator.EvaluateOn(mixed, platform);
        Assert.True(heavy.Utilization[heavy.Binding] > light.Utilization[light.Binding]);
        Assert.True(heavy.Workloads[0].LatencyMs > light.Workloads[0].LatencyMs);
    }

    [Fact]
    public void A_workload_running_beside_others_is_never_faster_than_alone()
    {
        var report = Evaluator.Evaluate(Parse(Camera));
        foreach (var outcome in report.Platforms.SelectMany(p => p.Workloads))
        {
            Assert.True(outcome.LatencyMs >= outcome.LatencyAloneMs - 1e-9, outcome.Id);
            Assert.True(outcome.Rate <= outcome.RateAlone + 1e-9 || outcome.RateUnit == "FPS", outcome.Id);
        }
    }

    [Property(MaxTest = 30)]
    public bool More_frames_per_second_never_lowers_the_load(PositiveInt fps, PositiveInt more)
    {
        var low = fps.Get % 60 + 1;
        var high = low + (more.Get % 60) + 1;
        var platform = Catalog.Catalog.BuiltIn.ResolvePlatform("rk3588");
        var a = Evaluator.EvaluateOn(Parse(Camera.Replace("fps: 30", $"fps: {low}", StringComparison.Ordinal)), platform);
        var b = Evaluator.EvaluateOn(Parse(Camera.Replace("fps: 30", $"fps: {high}", StringComparison.Ordinal)), platform);
        return Enum.GetValues<Resource>().All(r => b.Utilization[r] >= a.Utilization[r] - 1e-12);
    }

    [Fact]
    public void A_use_case_that_fits_nowhere_says_why_for_every_platform_and_what_would_help()
    {
        var report = Evaluator.Evaluate(Parse("""
            name: Too much
            workloads:
              - id: big-detector
                model: yolov8x
                weights: fp16
                fps: 60
                input: 3840x2160
                targets: { latencyMs: 10 }
            constraints:
              power: { sustainedW: 5, passive: true }
            """));
        Assert.Empty(report.Feasible);
        Assert.Empty(report.Ranking);
        Assert.All(report.Platforms, p => Assert.False(string.IsNullOrWhiteSpace(p.Reason)));
        Assert.All(report.Platforms.Where(p => p.Verdict == Verdict.Fails), p => Assert.NotEmpty(p.Violations));
    }

    [Fact]
    public void Sensitivity_finds_the_bandwidth_that_would_make_a_bandwidth_bound_platform_feasible()
    {
        var useCase = Parse("""
            name: Chat
            workloads:
              - id: chat
                model: llama-3.2-3b
                weights: q4_0
                requestsPerHour: 10
                prompt: 128
                gen: 128
                targets: { tokensPerSecond: 40 }
            """);
        // The RK3588's RKLLM decode is DRAM-bound (the Pi 5's llama.cpp CPU decode is compute-bound once calibrated).
        var platform = Catalog.Catalog.BuiltIn.ResolvePlatform("rk3588");
        Assert.Equal(Verdict.Fails, Evaluator.EvaluateOn(useCase, platform).Verdict);
        var finding = Evaluator.Sensitivity(useCase, platform).FirstOrDefault(f => f.Change == "more DRAM bandwidth");
        if (finding is not null)
        {
            Assert.True(finding.Factor > 1);
            var fixedPlatform = Evaluator.EvaluateOn(useCase, UseCaseEvaluator.WithDramBandwidthScaled(platform, finding.Factor!.Value));
            Assert.NotEqual(Verdict.Fails, fixedPlatform.Verdict);
        }

        Assert.Contains(Evaluator.Sensitivity(useCase, platform), f => f.Change is "more DRAM bandwidth" or "smaller model");
    }

    [Fact]
    public void Without_a_published_idle_power_average_power_energy_and_battery_life_are_unknown_and_say_why()
    {
        var report = Evaluator.Evaluate(UseCaseYaml.Load(Example("battery-sensor.yaml"), Catalog.Catalog.BuiltIn));
        var noIdle = report.Platforms.Where(p => p.Predicted && p.Platform.Power.Idle is null && p.Platform.Power.Max is not null).ToList();
        Assert.NotEmpty(noIdle);
        Assert.All(noIdle, p =>
        {
            Assert.Null(p.AveragePowerW);
            Assert.Null(p.EnergyPerDayWh);
            Assert.Null(p.BatteryDays);
            Assert.Equal("idle power unpublished", p.PowerUnknownBecause);
            Assert.True(p.AveragePowerAtLeastW > 0);
        });
        Assert.Contains(report.Assumptions, a => a.Contains("Idle power unpublished", StringComparison.Ordinal));
    }

    [Fact]
    public void With_a_published_idle_power_a_battery_product_gets_power_energy_per_day_and_battery_life()
    {
        var useCase = UseCaseYaml.Load(Example("battery-sensor.yaml"), Catalog.Catalog.BuiltIn);
        var hailo = Catalog.Catalog.BuiltIn.ResolvePlatform("hailo-8");
        var withIdle = hailo with { Power = hailo.Power with { Idle = new Core.Units.Watts(0.2) } };
        var e = Evaluator.EvaluateOn(useCase, withIdle);
        Assert.NotNull(e.AveragePowerW);
        Assert.True(e.AveragePowerW >= 0.2);
        Assert.Equal((e.AveragePowerW!.Value * useCase.ActiveHoursPerDay) + (0.2 * (24 - useCase.ActiveHoursPerDay)), e.EnergyPerDayWh!.Value, 9);
        Assert.Equal(useCase.BatteryWh!.Value / e.EnergyPerDayWh.Value, e.BatteryDays!.Value, 9);
        Assert.Null(e.PowerUnknownBecause);
    }

    [Fact]
    public void A_power_budget_between_the_bounds_of_an_unknown_average_is_unknown_not_met()
    {
        // The detector alone needs far less than 15 W above idle; the part may draw up to 25 W, and its idle power is unpublished.
        var report = Evaluator.Evaluate(UseCaseYaml.Load(Example("smart-camera.yaml"), Catalog.Catalog.BuiltIn), [Catalog.Catalog.BuiltIn.ResolvePlatform("jetson-orin-nano-8gb-super")], sensitivity: false);
        var e = Assert.Single(report.Platforms);
        Assert.Equal(Verdict.Unknown, e.Verdict);
        Assert.StartsWith("power: cannot be judged against the passive 15 W budget (idle power unpublished): at least", e.Reason, StringComparison.Ordinal);
        Assert.Contains("at most 25 W", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Ranking_follows_the_stated_priorities()
    {
        var cheap = Evaluator.Evaluate(Parse(Camera + "\npriorities: { cost: 1, performance: 0, power: 0 }"));
        var fast = Evaluator.Evaluate(Parse(Camera + "\npriorities: { performance: 1, cost: 0, power: 0 }"));
        var cheapest = cheap.Feasible.Where(e => e.CostUsd is not null).MinBy(e => e.CostUsd);
        var fastest = fast.Feasible.MaxBy(e => e.Score?.WorkingPoint ?? 0);
        Assert.Equal(cheapest?.Platform.Id, cheap.Ranking[0].Evaluation.Platform.Id);
        Assert.Equal(fastest?.Platform.Id, fast.Ranking[0].Evaluation.Platform.Id);
    }

    [Theory]
    [InlineData("name: x\nworkloads: [", "malformed YAML")]
    [InlineData("name: x\nworkloads: []", "non-empty list")]
    [InlineData("name: x\nfoo: 1\nworkloads:\n  - { id: a, model: yolov8n, fps: 1 }", "unknown field 'foo'")]
    [InlineData("name: x\nworkloads:\n  - { id: a, model: yolov9z, fps: 1 }", "Unknown model 'yolov9z'")]
    [InlineData("name: x\nworkloads:\n  - { id: a, model: yolov8n, requestsPerHour: 5 }", "is a network")]
    [InlineData("name: x\nworkloads:\n  - { id: a, model: llama-3.2-1b, fps: 30 }", "is a language or speech model")]
    [InlineData("name: x\nworkloads:\n  - { id: a, model: llama-3.2-1b, requestsPerHour: 5, images: 1 }", "has no vision tower")]
    [InlineData("name: x\nworkloads:\n  - { id: a, model: yolov8n, fps: 30, targets: { fps: 60 } }", "contradicts the rate")]
    [InlineData("name: x\nworkloads:\n  - { id: a, model: llama-3.2-1b, requestsPerHour: 5, audioSeconds: 10 }", "has no audio encoder")]
    [InlineData("name: x\nworkloads:\n  - { id: a, model: whisper-base, requestsPerHour: 5 }", "give audioSeconds")]
    [InlineData("name: x\nworkloads:\n  - { id: a, model: llama-3.2-1b, requestsPerHour: 600, gen: 128, targets: { tokensPerSecond: 10 } }", "the targets contradict the rate")]
    [InlineData("name: x\nworkloads:\n  - { id: a, model: yolov8n, fps: 30, duty: 1.5 }", "duty must be")]
    [InlineData("name: x\nworkloads:\n  - { id: a, model: yolov8n, fps: 30, inputs: [ { size: 640x640, share: 0.5 } ] }", "must add up to 1")]
    [InlineData("name: x\nworkloads:\n  - { id: a, model: yolov8n, fps: -1 }", "must be positive")]
    [InlineData("name: x\nworkloads:\n  - { id: a, model: yolov8n, fps: 5 }\n  - { id: a, model: yolov8s, fps: 5 }", "used twice")]
    [InlineData("name: x\nreference: nope\nworkloads:\n  - { id: a, model: yolov8n, fps: 5 }", "not a catalog platform")]
    [InlineData("name: x\nworkloads:\n  - { id: a, model: yolov8n, fps: 5, input: big }", "is not a size")]
    [InlineData("name: x\nworkloads:\n  - { id: a, model: yolov8n, fps: 5 }\npriorities: { performance: 0, power: 0, cost: 0 }", "all 0")]
    public void Bad_use_cases_are_refused_naming_the_field_and_the_fix(string yaml, string expected)
    {
        var error = Assert.Throws<CatalogException>(() => Parse(yaml));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("case.yaml", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Speech_recognition_runs_its_encoder_before_the_first_token()
    {
        var useCase = Parse("name: asr\nworkloads:\n  - { id: listen, model: whisper-base, weights: fp16, requestsPerHour: 60, audioSeconds: 6, gen: 32 }\n");
        var longer = Parse("name: asr\nworkloads:\n  - { id: listen, model: whisper-base, weights: fp16, requestsPerHour: 60, audioSeconds: 45, gen: 32 }\n");
        var platform = Catalog.Catalog.BuiltIn.ResolvePlatform("raspberry-pi-5");
        var one = Evaluator.EvaluateOn(useCase, platform).Workloads.Single();
        var two = Evaluator.EvaluateOn(longer, platform).Workloads.Single();
        Assert.Equal(WorkloadCategory.Speech, useCase.Workloads[0].Category);
        Assert.True(one.LatencyAloneMs > 100, "a 30 s Whisper encoder pass on a Pi 5 takes well over 100 ms");
        Assert.InRange(two.LatencyAloneMs, 1.8 * one.LatencyAloneMs, 2 * one.LatencyAloneMs); // two encoder windows, one short prefill
    }

    [Fact]
    public void A_missing_file_names_the_examples()
    {
        var error = Assert.Throws<CatalogException>(() => UseCaseYaml.Load("/nonexistent/case.yaml", Catalog.Catalog.BuiltIn));
        Assert.Contains("smart-camera.yaml", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_workload_names_its_runtime_and_a_platform_that_cannot_run_it_is_not_predicted_with_the_reason()
    {
        var useCase = Parse(Camera.Replace("    model: llama-3.2-1b\n", "    model: llama-3.2-1b\n    runtime: llama.cpp-metal\n", StringComparison.Ordinal));
        var onHailo = Evaluator.EvaluateOn(useCase, Catalog.Catalog.BuiltIn.ResolvePlatform("hailo-10h"));

        Assert.Equal("llama.cpp-metal", useCase.Workloads[1].Runtime);
        Assert.False(onHailo.Predicted);
        Assert.Contains("Runtime 'llama.cpp-metal' runs on a GPU", onHailo.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_workload_naming_a_runtime_that_does_not_run_its_kind_is_refused_in_one_line()
    {
        var ex = Assert.Throws<CatalogException>(() => Parse(Camera.Replace("    model: yolov8s\n", "    model: yolov8s\n    runtime: llama.cpp-cuda\n", StringComparison.Ordinal)));
        Assert.Contains("workloads[detector].runtime: 'llama.cpp-cuda' does not run networks", ex.Message, StringComparison.Ordinal);
    }

    private const string Assistant = """
        name: Assistant
        workloads:
          - id: assistant
            model: llama-3.2-1b
            requestsPerHour: 60
            prompt: 256
            gen: 64
            targets: { tokensPerSecond: TARGET }
        """;

    [Theory]
    [InlineData(0.7, Verdict.Meets)]
    [InlineData(0.9, Verdict.Marginal)]
    [InlineData(1.0, Verdict.Marginal)]
    [InlineData(1.1, Verdict.Fails)]
    public void A_target_the_prediction_meets_inside_its_error_band_is_marginal_beyond_it_met_and_one_it_misses_failed(double targetOverPredicted, Verdict expected)
    {
        var platform = Catalog.Catalog.BuiltIn.ResolvePlatform("apple-m4");
        var metal = Catalog.Catalog.BuiltIn.ResolveRuntime("llama.cpp-metal");
        var band = metal.BandFor(WorkingPoint.Core.Runtimes.PredictedQuantity.Decode)!;
        Assert.InRange(band.PlusMinusPercent, 12, 40); // 0.9 inside the band's low end, 0.7 beyond it
        var predicted = Evaluator.EvaluateOn(Parse(Assistant.Replace("TARGET", "1000", StringComparison.Ordinal)), platform, null, metal).Workloads[0].Rate;

        var target = (predicted * targetOverPredicted).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        var evaluation = Evaluator.EvaluateOn(Parse(Assistant.Replace("TARGET", target, StringComparison.Ordinal)), platform, null, metal);

        Assert.Equal(expected, evaluation.Verdict);
        Assert.Equal(band, evaluation.Workloads[0].RateUncertainty.Band);
        if (expected == Verdict.Marginal)
        {
            Assert.Contains("inside the error band", evaluation.Reason, StringComparison.Ordinal);
            Assert.Contains(band.ToString(), evaluation.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_runtime_without_an_error_band_is_judged_on_the_point_prediction()
    {
        var platform = Catalog.Catalog.BuiltIn.ResolvePlatform("apple-m4");
        var uncalibrated = Catalog.Catalog.BuiltIn.ResolveRuntime("llama.cpp-metal") with { ErrorBands = new Dictionary<WorkingPoint.Core.Runtimes.PredictedQuantity, WorkingPoint.Core.Runtimes.ErrorBand>() };
        var predicted = Evaluator.EvaluateOn(Parse(Assistant.Replace("TARGET", "1000", StringComparison.Ordinal)), platform, null, uncalibrated).Workloads[0].Rate;
        var target = (predicted * 0.99).ToString("R", System.Globalization.CultureInfo.InvariantCulture);

        var evaluation = Evaluator.EvaluateOn(Parse(Assistant.Replace("TARGET", target, StringComparison.Ordinal)), platform, null, uncalibrated);

        Assert.Equal(Verdict.Meets, evaluation.Verdict);
        Assert.Equal("uncalibrated: datasheet only", evaluation.Workloads[0].RateUncertainty.Text);
        Assert.Contains("apple-m4", Evaluator.Evaluate(Parse(Assistant.Replace("TARGET", target, StringComparison.Ordinal)), [platform], sensitivity: false, uncalibrated).Feasible.Select(e => e.Platform.Id));
    }
}
