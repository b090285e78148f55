using WorkingPoint.Core;
using WorkingPoint.Measurement.Jobs;

namespace WorkingPoint.Runner.Tests;

/// <summary>The check a job passes before it runs (what a server calls to refuse a bad job), and jobs as JSON.</summary>
public sealed class JobParameterTests
{
    private static BenchmarkJob Onnx(params (string Name, string Value)[] parameters) =>
        new(BenchmarkJobKind.Onnx, "model.onnx", null, null, parameters.ToDictionary(p => p.Name, p => p.Value));

    private static string Refusal(BenchmarkJob job)
    {
        var message = Assert.Throws<InvalidInputException>(() => BenchmarkJobParameters.Validate(job)).Message;
        Assert.DoesNotContain('\n', message);
        return message;
    }

    [Fact]
    public void Every_kind_declares_its_parameters_once_each()
    {
        foreach (var kind in Enum.GetValues<BenchmarkJobKind>())
        {
            var names = BenchmarkJobParameters.Of(kind).Select(p => p.Name).ToArray();
            Assert.NotEmpty(names);
            Assert.Equal(names.Length, names.Distinct().Count());
        }
    }

    [Fact]
    public void A_job_with_known_parameters_in_range_passes_and_reads_back_typed()
    {
        var values = BenchmarkJobParameters.Validate(Onnx(("duration", "2.5"), ("quick", "true"), ("threads", "1"), ("opt", "Basic"), ("input", "192x48")));
        Assert.Equal(2.5, values.Number("duration", 10));
        Assert.True(values.Flag("quick"));
        Assert.Equal(1, values.Integer("threads"));
        Assert.Equal(64, values.Integer("min-queries", 64));
        Assert.Null(values.Number("sustained"));
        Assert.Equal(["192x48"], values.Shapes("input"));
    }

    [Fact]
    public void An_unknown_parameter_is_refused_naming_it_and_the_known_ones()
    {
        var message = Refusal(Onnx(("durration", "10")));
        Assert.Contains("'durration' is not a parameter of onnx jobs", message);
        Assert.Contains("duration, min-queries", message);
    }

    [Theory]
    [InlineData("duration", "ten", "--duration 'ten' is not a finite number; give a finite number from 0 to 86400.")]
    [InlineData("duration", "-1", "--duration -1 is out of range: give a finite number from 0 to 86400.")]
    [InlineData("duration", "NaN", "--duration 'NaN' is not a finite number")]
    [InlineData("min-queries", "2.5", "--min-queries '2.5' is not a whole number; give a whole number from 1 to 10000000.")]
    [InlineData("min-queries", "0", "--min-queries 0 is out of range")]
    [InlineData("target-qps", "0", "--target-qps 0 is out of range: give a finite number above 0 to 1000000.")]
    [InlineData("quick", "yes", "--quick 'yes' is not true or false")]
    [InlineData("opt", "fast", "--opt 'fast' is not an optimization level; use disabled, basic, extended or all.")]
    [InlineData("threads", "100000", "per logical core")]
    [InlineData("provider", " ", "--provider is empty")]
    [InlineData("input", "axb", "--input")]
    public void A_bad_value_is_refused_with_one_line_naming_the_parameter_and_the_fix(string name, string value, string expected) =>
        Assert.Contains(expected, Refusal(Onnx((name, value))));

    [Fact]
    public void A_bad_scenario_is_refused_with_the_scenarios_there_are() =>
        Assert.Contains("--scenario 'fast' is not a scenario; use single-stream, multi-stream, server, offline or all.", Refusal(Onnx() with { Scenario = "fast" }));

    [Fact]
    public void A_sustained_job_takes_one_scenario() =>
        Assert.Contains("--sustained runs one scenario", Refusal(Onnx(("sustained", "1")) with { Scenario = "all" }));

    [Theory]
    [InlineData(BenchmarkJobKind.Llm, "m.gguf", null)]
    [InlineData(BenchmarkJobKind.UseCase, null, "u.yaml")]
    public void Llm_and_usecase_jobs_take_the_sustained_parameters_of_onnx_jobs_with_their_ranges(BenchmarkJobKind kind, string? model, string? scenario)
    {
        static IEnumerable<JobParameter> Sustained(BenchmarkJobKind kind) => BenchmarkJobParameters.Of(kind).Where(p => p.Name is "sustained" or "window");
        Assert.Equal(2, Sustained(kind).Count());
        Assert.Equal(Sustained(BenchmarkJobKind.Onnx), Sustained(kind));

        var job = new BenchmarkJob(kind, model, null, scenario, new Dictionary<string, string> { ["sustained"] = "10", ["window"] = "20" });
        Assert.Equal(10, BenchmarkJobParameters.Validate(job).Number("sustained"));
        Assert.Contains("--sustained 0 is out of range", Refusal(job with { Parameters = new Dictionary<string, string> { ["sustained"] = "0" } }));
        Assert.Contains("--window -1 is out of range", Refusal(job with { Parameters = new Dictionary<string, string> { ["window"] = "-1" } }));
    }

    [Fact]
    public void A_job_without_the_model_its_kind_needs_is_refused()
    {
        Assert.Contains("A llm job needs a model: a .gguf file or a catalog LLM id.", Refusal(new BenchmarkJob(BenchmarkJobKind.Llm, null, null, null, new Dictionary<string, string>())));
        Assert.Contains("A usecase job needs its use case as the scenario", Refusal(new BenchmarkJob(BenchmarkJobKind.UseCase, null, null, null, new Dictionary<string, string>())));
        Assert.Contains("'vision' and 'llm' parameters", Refusal(new BenchmarkJob(BenchmarkJobKind.Mix, "yolov8n", null, null, new Dictionary<string, string>())));
    }

    [Fact]
    public void A_job_for_another_runtime_is_refused_naming_its_own()
    {
        Assert.Contains("runs through onnxruntime, not 'tensorrt'", Refusal(Onnx() with { Runtime = "tensorrt" }));
        BenchmarkJobParameters.Validate(Onnx() with { Runtime = "ONNXRuntime" });
        Assert.Contains("names no runtime", Refusal(new BenchmarkJob(BenchmarkJobKind.Roofline, null, "llama.cpp", null, new Dictionary<string, string>())));
    }

    [Fact]
    public void The_ranges_match_the_cli_limits_at_their_edges()
    {
        BenchmarkJobParameters.Validate(new BenchmarkJob(BenchmarkJobKind.Llm, "m.gguf", null, null, new Dictionary<string, string> { ["prompt"] = "0", ["gen"] = "16777216", ["depths"] = "512,1024" }));
        Assert.Contains("--gen 16777217 is out of range", Refusal(new BenchmarkJob(BenchmarkJobKind.Llm, "m.gguf", null, null, new Dictionary<string, string> { ["gen"] = "16777217" })));
        Assert.Contains("--depths '512,-1' must be a comma-separated list of positive whole numbers.", Refusal(new BenchmarkJob(BenchmarkJobKind.Llm, "m.gguf", null, null, new Dictionary<string, string> { ["depths"] = "512,-1" })));
        Assert.Contains("--dram-mib 32 is out of range: give a whole number from 64", Refusal(new BenchmarkJob(BenchmarkJobKind.Roofline, null, null, null, new Dictionary<string, string> { ["dram-mib"] = "32" })));
        Assert.Contains("--duration 0.5 is out of range: give a finite number from 1 to 3600.", Refusal(new BenchmarkJob(BenchmarkJobKind.UseCase, null, null, "u.yaml", new Dictionary<string, string> { ["duration"] = "0.5" })));
    }

    [Fact]
    public void A_job_survives_a_trip_through_json()
    {
        var job = new BenchmarkJob(BenchmarkJobKind.Onnx, "yolov8n", "onnxruntime", "single-stream,offline", new Dictionary<string, string> { ["quick"] = "true", ["input"] = "images=1x3x96x96", ["seed"] = "-3" });
        var json = job.ToJson();
        var back = BenchmarkJob.FromJson(json);
        Assert.Equal((job.Kind, job.Model, job.Runtime, job.Scenario), (back.Kind, back.Model, back.Runtime, back.Scenario));
        Assert.Equal(job.Parameters.OrderBy(p => p.Key), back.Parameters.OrderBy(p => p.Key));
        Assert.Equal(json, back.ToJson());
        Assert.Contains("\"kind\":\"onnx\"", json);
        BenchmarkJobParameters.Validate(back);
    }

    [Fact]
    public void A_job_from_json_takes_numbers_and_booleans_as_parameter_values()
    {
        var job = BenchmarkJob.FromJson("""{"kind":"LLM","model":"qwen2.5-0.5b","parameters":{"prompt":16,"gen":4,"reps":1}}""");
        Assert.Equal(BenchmarkJobKind.Llm, job.Kind);
        Assert.Null(job.Scenario);
        Assert.Equal("16", job.Parameters["prompt"]);
        Assert.Equal(16, BenchmarkJobParameters.Validate(job).Integer("prompt", 512));
        Assert.Equal("true", BenchmarkJob.FromJson("""{"kind":"roofline","parameters":{"quick":true}}""").Parameters["quick"]);
    }

    [Theory]
    [InlineData("{", "The job is not valid JSON")]
    [InlineData("[]", "A job is a JSON object")]
    [InlineData("""{"model":"x"}""", "The job has no 'kind'; use one of onnx, llm, mix, roofline, usecase.")]
    [InlineData("""{"kind":"gpu"}""", "Unknown job kind 'gpu'")]
    [InlineData("""{"kind":"onnx","models":"x"}""", "'models' is not a field of a job")]
    [InlineData("""{"kind":"onnx","model":3}""", "The job's 'model' must be a string")]
    [InlineData("""{"kind":"onnx","parameters":{"input":["a"]}}""", "The job's parameter 'input' is array")]
    [InlineData("""{"kind":"onnx","parameters":[]}""", "'parameters' must be an object")]
    public void A_malformed_job_is_refused_with_one_line(string json, string expected)
    {
        var message = Assert.Throws<InvalidInputException>(() => BenchmarkJob.FromJson(json)).Message;
        Assert.Contains(expected, message);
        Assert.DoesNotContain('\n', message);
    }

    [Fact]
    public void A_job_from_elsewhere_records_itself_as_its_provenance()
    {
        var job = new BenchmarkJob(BenchmarkJobKind.Roofline, null, null, null, new Dictionary<string, string> { ["quick"] = "true" });
        Assert.Equal(["job", job.ToJson()], job.Provenance);
        Assert.Equal(["bench"], (job with { CommandLine = ["bench"] }).Provenance);
    }
}
