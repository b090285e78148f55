using WorkingPoint.Core;
using WorkingPoint.Measurement.Jobs;
using WorkingPoint.Results;
using WorkingPoint.Measurement.Scenarios;
using WorkingPoint.Tests.Shared;

namespace WorkingPoint.Runner.Tests;

/// <summary>
/// A job of each kind through its runner on the tiny test models, with quick-sized parameters: the records it hands the sink are
/// the kind and carry the metrics the CLI's bench commands save.
/// </summary>
public sealed class RunnerTests : IDisposable
{
    private static readonly WorkingPoint.Catalog.Catalog Catalog = WorkingPoint.Catalog.Catalog.BuiltIn;

    private readonly string _directory = Directory.CreateTempSubdirectory("wpt-runner-").FullName;
    private readonly BenchmarkRunners _runners = new(Catalog);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static BenchmarkJob Job(BenchmarkJobKind kind, string? model, string? scenario, params (string Name, string Value)[] parameters) =>
        new(kind, model, null, scenario, parameters.ToDictionary(p => p.Name, p => p.Value));

    /// <summary>Progress as an agent would see it: every phase, and whether fractions came.</summary>
    private sealed class RecordingProgress(Action<string>? onPhase = null) : IBenchmarkProgress
    {
        public List<string> Phases { get; } = [];

        public List<BenchmarkProgress> Reports { get; } = [];

        public T Phase<T>(string name, Func<IProgress<BenchmarkProgress>?, T> work)
        {
            Phases.Add(name);
            onPhase?.Invoke(name);
            return work(new Reporter(Reports));
        }

        private sealed class Reporter(List<BenchmarkProgress> reports) : IProgress<BenchmarkProgress>
        {
            public void Report(BenchmarkProgress value)
            {
                lock (reports)
                {
                    reports.Add(value);
                }
            }
        }
    }

    [Fact]
    public void An_onnx_job_runs_its_scenario_and_saves_one_judged_onnx_record_with_the_cold_start()
    {
        var job = Job(BenchmarkJobKind.Onnx, TestModels.OcrDirectionClassifier, null, ("input", "192x48"), ("quick", "true"), ("threads", "1"));
        var sink = new CollectingResultSink();
        var progress = new RecordingProgress();

        var outcome = Assert.IsType<OnnxBenchmarkOutcome>(_runners.Run(job, progress, sink, CancellationToken.None));

        var record = Assert.Single(sink.Records);
        Assert.Same(outcome.Records[0], outcome.Records.Single());
        Assert.Equal((MeasurementKind.Onnx, RunStatus.Complete), (record.Kind, record.Status));
        Assert.Equal("latency.p90", record.Metrics[0].Name);
        foreach (var metric in new[] { "latency.min", "latency.p50", "latency.p99", "throughput", "queries", "samples", "cold.load", "cold.first-inference", "cold.process-to-first-result" })
        {
            Assert.Contains(record.Metrics, m => m.Name == metric);
        }

        Assert.Equal(("single-stream", "true", "1"), (record.Parameters["scenario"], record.Parameters["quick"], record.Parameters["threads"]));
        Assert.False(record.Parameters.ContainsKey(ResultSubject.CatalogModelParameter)); // a user's file is its own subject
        Assert.Equal(Validity.Invalid, record.Verdict!.Validity); // a quick run is judged by the full rules it falls short of
        Assert.StartsWith("wpt job '{\"kind\":\"onnx\"", record.Manifest!.CommandLine); // a job from elsewhere records itself
        Assert.True(sink.Opened && sink.Started);
        Assert.Equal(["single-stream"], progress.Phases);
        Assert.NotEmpty(outcome.Inputs);
        Assert.NotEmpty(outcome.Runs[0].Result.Queries);
    }

    [Fact]
    public void A_catalog_network_exported_with_random_weights_is_the_subjects_model_by_its_catalog_id()
    {
        var job = Job(BenchmarkJobKind.Onnx, "mobilenet-v2", null, ("input", "64x64"), ("quick", "true"), ("threads", "1"));
        var sink = new CollectingResultSink();

        _runners.Run(job, new RecordingProgress(), sink, CancellationToken.None);

        var record = Assert.Single(sink.Records);
        Assert.Equal("mobilenet-v2 @ 64x64 (generated, random weights)", record.ModelName);
        Assert.Equal("mobilenet-v2", record.Parameters[ResultSubject.CatalogModelParameter]);
        Assert.Equal("mobilenet-v2", record.Subject.Model); // what the lab's matrix places it under and predicts
    }

    [Fact]
    public void Several_scenarios_are_saved_in_parts_and_marked_complete_when_the_last_lands()
    {
        var job = Job(BenchmarkJobKind.Onnx, TestModels.OcrDirectionClassifier, "single-stream,offline", ("input", "192x48"), ("duration", "0.2"), ("min-queries", "3"), ("warmup", "1"), ("threads", "1"));
        var sink = new CollectingResultSink();

        var outcome = _runners.Onnx.Run(job, new RecordingProgress(), sink, CancellationToken.None);

        Assert.Equal(2, outcome.Records.Count);
        Assert.Equal(["single-stream", "offline"], sink.Records.Select(r => r.Parameters["scenario"]));
        Assert.All(sink.Records, r => Assert.Equal(RunStatus.Complete, r.Status));
        Assert.Equal("throughput", sink.Records[1].Metrics[0].Name);
    }

    [Fact]
    public void A_stopped_onnx_job_keeps_the_finished_scenario_marked_interrupted_and_says_so()
    {
        using var stop = new CancellationTokenSource();
        var job = Job(BenchmarkJobKind.Onnx, TestModels.OcrDirectionClassifier, "single-stream,offline", ("input", "192x48"), ("duration", "0.2"), ("min-queries", "3"), ("warmup", "1"), ("threads", "1"));
        var sink = new CollectingResultSink();

        // Ctrl-C as the second scenario starts.
        Assert.ThrowsAny<OperationCanceledException>(() => _runners.Onnx.Run(job, new RecordingProgress(phase => { if (phase == "offline") { stop.Cancel(); } }), sink, stop.Token));

        var kept = Assert.Single(sink.Records, r => r.Parameters["scenario"] == "single-stream");
        Assert.Equal(RunStatus.Interrupted, kept.Status);
        Assert.All(sink.Records, r => Assert.Equal(RunStatus.Interrupted, r.Status));
        Assert.StartsWith("1 finished scenario of 2", sink.Interrupted);
    }

    [Fact]
    public void A_job_that_fails_its_check_never_opens_the_sink()
    {
        var sink = new CollectingResultSink();
        var job = Job(BenchmarkJobKind.Onnx, "no-such-network", null, ("quick", "true"));
        Assert.ThrowsAny<WorkingPointException>(() => _runners.Run(job, SilentBenchmarkProgress.Instance, sink, CancellationToken.None));
        Assert.ThrowsAny<WorkingPointException>(() => _runners.Run(job with { Parameters = new Dictionary<string, string> { ["quik"] = "true" } }, SilentBenchmarkProgress.Instance, sink, CancellationToken.None));
        Assert.False(sink.Opened);
        Assert.Empty(sink.Records);
    }

    [Fact]
    public void A_runner_refuses_a_job_of_another_kind()
    {
        var job = Job(BenchmarkJobKind.Llm, "model.gguf", null);
        var message = Assert.Throws<InvalidInputException>(() => _runners.Onnx.Run(job, SilentBenchmarkProgress.Instance, new CollectingResultSink(), CancellationToken.None)).Message;
        Assert.Contains("A llm job cannot run on the onnx runner", message);
    }

    [Fact]
    public void An_llm_job_runs_llama_bench_tests_and_saves_one_llm_record()
    {
        var checkedModels = new List<string>();
        var runner = new LlmBenchmarkRunner(Catalog, (model, _) => checkedModels.Add(model));
        var job = Job(BenchmarkJobKind.Llm, TinyLlm.File(), null, ("prompt", "16"), ("gen", "4"), ("reps", "1"), ("threads", "1"));
        var sink = new CollectingResultSink();
        var progress = new RecordingProgress();

        var outcome = runner.Run(job, progress, sink, CancellationToken.None);

        var record = Assert.Single(sink.Records);
        Assert.Equal(MeasurementKind.Llm, record.Kind);
        Assert.Contains(record.Metrics, m => m.Name == "prefill.tokens-per-second" && m.Value > 0);
        Assert.Contains(record.Metrics, m => m.Name == "decode.tokens-per-second" && m.Value > 0);
        Assert.Contains(record.Metrics, m => m.Name == "ttft.mean");
        Assert.Contains(record.Metrics, m => m.Name == "cold.first-token" && m.Value > 0);
        Assert.Contains(record.Metrics, m => m.Name == "cold.first-decode" && m.Value > 0);
        Assert.Equal(16, outcome.Measurement.ColdStart.PromptTokens);
        Assert.Equal(("16", "4", "1"), (record.Parameters["prompt"], record.Parameters["gen"], record.Parameters["reps"]));
        Assert.NotNull(record.Verdict);
        Assert.Equal([TinyLlm.File()], checkedModels);
        Assert.Contains(progress.Phases, p => p.StartsWith("llama.cpp: ", StringComparison.Ordinal));
        Assert.NotEmpty(outcome.Measurement.Result.Tests);
    }

    [Fact]
    public void A_mix_job_measures_both_models_alone_and_together_beside_the_prediction()
    {
        var job = Job(BenchmarkJobKind.Mix, null, null, ("vision", "yolov8n"), ("input", "96x96"), ("fps", "4"), ("llm", TinyLlm.File()), ("context", "32"), ("duration", "1"), ("llm-threads", "1"), ("platform", "raspberry-pi-5"));
        var sink = new CollectingResultSink();

        var outcome = _runners.Mix.Run(job, new RecordingProgress(), sink, CancellationToken.None);

        var record = Assert.Single(sink.Records);
        Assert.Equal(MeasurementKind.Mix, record.Kind);
        foreach (var metric in new[] { "vision.alone.latency.p50", "vision.together.fps", "llm.alone.tokens-per-second", "llm.slowdown", "predicted.llm.slowdown" })
        {
            Assert.Contains(record.Metrics, m => m.Name == metric);
        }

        Assert.Equal("raspberry-pi-5", outcome.Host.Id);
        Assert.Equal("4", record.Parameters["fps"]);

        // Judged by the run rules like onnx, llm and usecase: 1 s phases are under the 10 s minimum, so INVALID with the rule named.
        Assert.Same(outcome.Verdict, record.Verdict);
        Assert.Equal(Validity.Invalid, record.Verdict!.Validity);
        Assert.Contains(record.Verdict.FailedRules, r => r.StartsWith("min duration", StringComparison.Ordinal));
        Assert.NotNull(record.Manifest);
        Assert.Equal(2, record.Manifest!.ModelSha256.Count);
        Assert.StartsWith("wpt ", record.Manifest.CommandLine, StringComparison.Ordinal);
    }

    private static Measurement.Concurrency.MixResult Mix(double phaseSeconds, int frames, int tokens)
    {
        var periodic = new Measurement.Concurrency.PeriodicResult(4, Enumerable.Range(0, frames).Select(i => i * 0.25).ToArray(), Enumerable.Repeat(0.01, frames).ToArray(), 0, phaseSeconds);
        var stream = new Measurement.Concurrency.StreamResult(tokens, phaseSeconds, Enumerable.Repeat(0.02, tokens).ToArray());
        return new Measurement.Concurrency.MixResult(periodic, stream, periodic, stream);
    }

    [Fact]
    public void A_mix_with_every_phase_past_the_minimum_duration_and_units_in_each_is_valid()
    {
        var verdict = MixBenchmarkRunner.Judge(Mix(12, 48, 600), null);

        Assert.Equal(Validity.Valid, verdict.Validity);
        Assert.Empty(verdict.FailedRules);
    }

    [Fact]
    public void A_mix_whose_phases_are_shorter_than_the_minimum_or_empty_is_invalid_with_each_rule_named()
    {
        Assert.Equal("min duration: ran 5 s, the rules need ≥ 10 s", Assert.Single(MixBenchmarkRunner.Judge(Mix(5, 20, 250), null).FailedRules));
        Assert.Contains(MixBenchmarkRunner.Judge(Mix(12, 0, 600), null).FailedRules, r => r.StartsWith("min repetitions: 0", StringComparison.Ordinal));
    }

    [Fact]
    public void A_mix_run_while_other_processes_kept_the_machine_busy_is_marked_contended()
    {
        var verdict = MixBenchmarkRunner.Judge(Mix(12, 48, 600), new CpuContention(1.5, 1.6, 0, 0.4));

        Assert.True(verdict.Contended);
        Assert.Equal(Validity.Valid, verdict.Validity);
    }

    [Fact]
    public void A_roofline_job_measures_this_machine_saves_a_roofline_record_and_writes_the_host_platform()
    {
        var hostFile = Path.Combine(_directory, "host.yaml");
        var job = Job(BenchmarkJobKind.Roofline, null, null, ("quick", "true"), ("threads", "1"), ("dram-mib", "64"), ("host-file", hostFile));
        var sink = new CollectingResultSink();
        var progress = new RecordingProgress();

        var outcome = _runners.Roofline.Run(job, progress, sink, CancellationToken.None);

        var record = Assert.Single(sink.Records);
        Assert.Equal(MeasurementKind.Roofline, record.Kind);
        Assert.NotEmpty(record.Metrics);
        Assert.True(File.Exists(hostFile));
        Assert.Equal(hostFile, outcome.HostFile);
        Assert.Equal(["Measuring the roofline"], progress.Phases);
        Assert.Contains(progress.Reports, r => r.Phase.StartsWith("Measuring ", StringComparison.Ordinal) && r.Phase != "Measuring the roofline");
    }

    [Fact]
    public void A_usecase_job_runs_every_workload_together_and_saves_one_usecase_record()
    {
        var file = Path.Combine(_directory, "tiny.yaml");
        File.WriteAllText(file, $$"""
            name: Tiny camera
            workloads:
              - id: detector
                model: yolov8n
                fps: 4
                inputs:
                  - { size: 96x96, share: 1 }
                targets: { latencyMs: 1000 }
              - id: questions
                model: {{TinyLlm.File()}}
                requestsPerHour: 3600
                prompt: 16
                gen: 4
            """);
        var job = Job(BenchmarkJobKind.UseCase, null, file, ("duration", "2"), ("threads", "1"));
        var sink = new CollectingResultSink();

        var outcome = _runners.UseCase.Run(job, new RecordingProgress(), sink, CancellationToken.None);

        var record = Assert.Single(sink.Records);
        Assert.Equal((MeasurementKind.UseCase, "Tiny camera"), (record.Kind, record.Parameters["usecase"]));
        Assert.Contains(record.Metrics, m => m.Name == "detector.fps" && m.Value > 0);
        Assert.Contains(record.Metrics, m => m.Name == "figure.detector.latency-p50.measured");
        Assert.Contains(record.Metrics, m => m.Name == "questions.requests");
        Assert.Equal(UseCaseBenchmarkRunner.NoHostProfile, record.Parameters["predicted-on"]);
        Assert.Null(outcome.Host);
        Assert.Same(record.Verdict, outcome.Verdict);

        // The measured composite, against the use case's reference platform; no host profile, so no predicted one beside it.
        Assert.True(outcome.Score.Measured > 0);
        Assert.Null(outcome.Score.Predicted);
        Assert.Contains(record.Metrics, m => m.Name == "score.measured" && m.Value == outcome.Score.Measured);
        Assert.Empty(outcome.Overhead);
    }
}
