using System.Text.Json;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Results.Sqlite;
using WorkingPoint.Tests.Shared;
using WorkingPoint.Results;

namespace WorkingPoint.Cli.Tests;

/// <summary>The LLM commands end to end on tiny synthesized models, each test with its own database and files.</summary>
public sealed class LlmCliTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("wpt-cli-llm-").FullName;

    private string Db => Path.Combine(_directory, "results.db");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void Models_import_reads_a_gguf_file_into_the_architecture_and_exact_bytes()
    {
        var (code, output, errors) = Wpt.Run("models", "import", TinyLlm.File(LlmFamily.Qwen2, "q8_0"), "--json");
        Assert.True(code == 0, errors);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal("qwen2", root.GetProperty("architecture").GetString());
        Assert.Equal(3, root.GetProperty("ggufVersion").GetInt32());
        Assert.Equal(256, root.GetProperty("config").GetProperty("hiddenSize").GetInt32());
        Assert.True(root.GetProperty("config").GetProperty("qkvBias").GetBoolean());
        Assert.Equal(root.GetProperty("tensorBytes").GetDouble(), root.GetProperty("weightBytes").GetDouble());
        Assert.Contains(root.GetProperty("byType").EnumerateArray(), t => t.GetProperty("type").GetString() == "q8_0");
    }

    [Fact]
    public void Models_import_shows_a_gguf_summary()
    {
        var (code, output, _) = Wpt.Run("models", "import", TinyLlm.File(LlmFamily.Gemma2, "q4_0"));
        Assert.Equal(0, code);
        Assert.Contains("GGUF v3", output, StringComparison.Ordinal);
        Assert.Contains("sliding window 1024", output, StringComparison.Ordinal);
        Assert.Contains("Tensor types", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Models_synth_writes_a_catalog_model_that_reads_back_with_its_shapes()
    {
        var path = Path.Combine(_directory, "qwen.gguf");
        var (code, output, errors) = Wpt.Run("models", "synth", "qwen2.5-0.5b", "--weights", "q4_0", "-o", path);
        Assert.True(code == 0, errors);
        Assert.Contains("290 tensors", output, StringComparison.Ordinal);

        var (importCode, import, _) = Wpt.Run("models", "import", path, "--json");
        Assert.Equal(0, importCode);
        using var json = JsonDocument.Parse(import);
        Assert.Equal(896, json.RootElement.GetProperty("config").GetProperty("hiddenSize").GetInt32());
        Assert.Equal(151936, json.RootElement.GetProperty("config").GetProperty("vocabSize").GetInt32());
        Assert.Equal(new FileInfo(path).Length, json.RootElement.GetProperty("fileBytes").GetInt64());
    }

    [Theory]
    [InlineData("models synth llama-3.2-1b --weights int4", "llama.cpp files cannot hold")]
    [InlineData("models synth yolov8s", "is a network")]
    [InlineData("models synth whisper-base", "not llama.cpp models")]
    [InlineData("models synth llama-3.2-1b -o model.bin", "-o must name a .gguf file")]
    [InlineData("models synth llama-3.2-1b -o /nonexistent-dir/model.gguf", "does not exist")]
    [InlineData("models synth no-such-model", "Unknown model 'no-such-model'")]
    [InlineData("bench llm yolov8s", "is a network")]
    [InlineData("bench llm /nonexistent/model.gguf", "no such GGUF file")]
    [InlineData("bench llm llama-2-70b --weights fp32 --no-save", "and this machine has")]
    [InlineData("bench llm qwen2.5-0.5b --prompt 0 --gen 0", "not both 0")]
    [InlineData("bench llm qwen2.5-0.5b --sustained 1 --gen 0", "--sustained measures decode (the tgN test) over time; give -n/--gen above 0")]
    [InlineData("bench llm qwen2.5-0.5b --sustained 1 --depths 64", "--sustained runs the tgN test alone; drop --depths")]
    [InlineData("bench llm qwen2.5-0.5b --sustained 0", "--sustained takes a positive number of minutes")]
    [InlineData("bench llm qwen2.5-0.5b --sustained 2000", "--sustained 2000 is out of range")]
    [InlineData("bench llm qwen2.5-0.5b --sustained 1 --window 0", "--window takes a positive number of seconds")]
    [InlineData("validate llm --models yolov8n", "is a network")]
    [InlineData("validate llm --models llama-2-70b --weights fp32", "and this machine has")]
    public void Bad_llm_input_is_one_clear_line_and_exit_code_2(string args, string expected)
    {
        var (code, _, errors) = Wpt.Run(args.Split(' '));
        Assert.Equal(2, code);
        Assert.Contains(expected, errors, StringComparison.Ordinal);
        Assert.Single(errors.Trim().Split('\n'));
    }

    [Fact]
    public void A_model_larger_than_memory_is_refused_before_anything_is_written()
    {
        var cache = Path.Combine(TestDataDirectory.Path, "models");
        var before = Directory.Exists(cache) ? Directory.GetFiles(cache).Length : 0;
        var (code, _, errors) = Wpt.Run("bench", "llm", "llama-2-70b", "--weights", "fp32", "--no-save");

        Assert.Equal(2, code);
        Assert.Matches(@"needs [\d.,]+ GB .* has [\d.,]+ (GB|MB) available", errors);
        Assert.Equal(before, Directory.Exists(cache) ? Directory.GetFiles(cache).Length : 0);
    }

    [Fact]
    public void A_truncated_gguf_is_refused_by_every_command_with_the_reason()
    {
        var path = TinyLlm.Copy("truncated.gguf");
        using (var stream = new FileStream(path, FileMode.Open))
        {
            stream.SetLength(stream.Length / 2);
        }

        foreach (var args in new[] { new[] { "models", "import", path }, ["bench", "llm", path, "--no-save"], ["predict", "--platform", "raspberry-pi-5", "--model", path] })
        {
            var (code, _, errors) = Wpt.Run(args);
            Assert.Equal(2, code);
            Assert.Contains("truncated", errors, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void An_unsupported_architecture_is_named()
    {
        var path = Path.Combine(_directory, "rwkv.gguf");
        Gguf.GgufWriter.Write(path, [new("general.architecture", Gguf.GgufValue.Of("rwkv6"))], [], (_, _) => { });
        var (code, _, errors) = Wpt.Run("models", "import", path);
        Assert.Equal(2, code);
        Assert.Contains("architecture 'rwkv6' is not supported", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void Bench_llm_reports_llama_bench_tests_and_saves_the_run()
    {
        var (code, output, errors) = Wpt.Run("bench", "llm", TinyLlm.File(), "--prompt", "16", "-n", "4", "-r", "2", "-t", "1", "--json", "--db", Db);
        Assert.True(code == 0, errors);
        using var json = JsonDocument.Parse(output);
        var tests = json.RootElement.GetProperty("tests").EnumerateArray().Select(t => t.GetProperty("test").GetString()).ToArray();
        Assert.Equal(new[] { "pp16", "tg4", "pp16+tg4" }, tests);
        Assert.True(json.RootElement.GetProperty("timeToFirstTokenMs").GetDouble() > 0);
        Assert.Equal("not measurable on this machine", json.RootElement.GetProperty("telemetry").GetProperty("power (mean)").GetString());

        using var store = new SqliteResultStore(Db, "test");
        var saved = Assert.Single(store.List(MeasurementKind.Llm)).Record;
        Assert.Equal("1", saved.Parameters["threads"]);
        Assert.Contains(saved.Metrics, m => m.Name == "pp16.tokens-per-second" && m.Value > 0);
        Assert.Contains(saved.Metrics, m => m.Name == "decode.tokens-per-second" && m.Value > 0);
        Assert.Contains(saved.Samples, s => s.Name == "tg4.seconds" && s.Values.Count == 2);
        Assert.NotNull(saved.ModelSha256);
        Assert.Contains("LLamaSharp (llama.cpp)", saved.Platform.RuntimeVersions.Keys);

        // llama-bench's rules: the repetitions asked for, no minimum duration, no percentile.
        Assert.Equal("≥ 0 s, ≥ 2 repetitions, variation ≤ 5 %", json.RootElement.GetProperty("verdict").GetProperty("rules").GetString());
        Assert.Equal(WorkingPoint.Results.Validity.Valid, saved.Verdict!.Validity);
        Assert.Equal("1", saved.Manifest!.Threads);
        Assert.Equal(saved.ModelSha256, Assert.Single(saved.Manifest.ModelSha256).Value);

        // Cold start, as bench onnx has it: process start and model load to the first token, the first token and first decode step beside the steady state.
        var cold = json.RootElement.GetProperty("coldStart");
        Assert.Equal(16, cold.GetProperty("promptTokens").GetInt32());
        Assert.True(cold.GetProperty("processToFirstTokenSeconds").GetDouble() >= cold.GetProperty("loadToFirstTokenSeconds").GetDouble());
        Assert.True(cold.GetProperty("firstTokenVersusSteady").GetDouble() > 0);
        Assert.True(cold.GetProperty("firstDecodeVersusSteady").GetDouble() > 0);
        foreach (var (metric, unit) in new[] { ("cold.process-to-first-token", "s"), ("cold.load", "ms"), ("cold.load-to-first-token", "s"), ("cold.first-token", "ms"), ("cold.first-token-vs-steady", "×"), ("cold.first-decode", "ms"), ("cold.first-decode-vs-steady", "×") })
        {
            Assert.Contains(saved.Metrics, m => m.Name == metric && m.Unit == unit);
        }
    }

    [Fact]
    public void Bench_llm_sustained_reports_decode_throughput_over_time_with_the_throttle_onset_and_saves_the_windows()
    {
        var plot = Path.Combine(_directory, "sustained.svg");
        var (code, output, errors) = Wpt.Run("bench", "llm", TinyLlm.File(), "--prompt", "16", "-n", "4", "-t", "1", "--sustained", "0.02", "--window", "0.1", "--plot", plot, "--db", Db);
        Assert.True(code == 0, errors + output);
        Assert.Contains("| tg4 ", output, StringComparison.Ordinal);
        Assert.Contains("Sustained throughput: ", output, StringComparison.Ordinal);
        Assert.Contains(" tok/s in the first window", output, StringComparison.Ordinal);
        Assert.Contains("Throttle onset: ", output, StringComparison.Ordinal);
        Assert.Contains("Tokens per second", File.ReadAllText(plot), StringComparison.Ordinal);

        using var store = new SqliteResultStore(Db, "test");
        var saved = Assert.Single(store.List(MeasurementKind.Llm)).Record;
        Assert.Equal("0.02", saved.Parameters["sustained-minutes"]);
        Assert.Equal("0.1", saved.Parameters["window"]);
        Assert.Contains(saved.Metrics, m => m.Name == "sustained.reference-throughput" && m.Unit == "tok/s" && m.Value > 0);
        Assert.Contains(saved.Metrics, m => m.Name == "sustained.throttle-onset-measured" && m.Value == 1);
        Assert.True(Assert.Single(saved.Samples, s => s.Name == "throughput").Values.Count >= 10);
        // Judged by its length, as bench onnx judges a sustained run: 1.2 s and at least one repetition.
        Assert.Equal("≥ 1.2 s, ≥ 1 repetitions, variation ≤ 5 %", saved.Verdict!.Rules);
    }

    [Fact]
    public void Bench_llm_sustained_json_has_the_windows_and_a_run_too_short_for_an_onset_says_it_was_not_measured()
    {
        // One window of 60 s over a 0.3-s run: it is the reference, and nothing comes after it.
        var (code, output, errors) = Wpt.Run("bench", "llm", TinyLlm.File(), "--prompt", "16", "-n", "4", "-t", "1", "--sustained", "0.005", "--window", "60", "--json", "--db", Db);
        Assert.True(code == 0, errors + output);
        using var json = JsonDocument.Parse(output);
        var sustained = json.RootElement.GetProperty("sustained");
        Assert.Equal("tok/s", sustained.GetProperty("unit").GetString());
        Assert.True(Assert.Single(sustained.GetProperty("windows").EnumerateArray()).GetProperty("tokensPerSecond").GetDouble() > 0);
        Assert.False(sustained.GetProperty("throttleOnsetMeasured").GetBoolean());
        Assert.Equal(JsonValueKind.Null, sustained.GetProperty("throttleOnsetSeconds").ValueKind);
        Assert.Contains("run longer or pass a shorter --window", sustained.GetProperty("notMeasured").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("not measured: ", sustained.GetProperty("description").GetString(), StringComparison.Ordinal);

        using var store = new SqliteResultStore(Db, "test");
        var saved = Assert.Single(store.List(MeasurementKind.Llm)).Record;
        Assert.Contains(saved.Metrics, m => m.Name == "sustained.throttle-onset-measured" && m.Value == 0);
        Assert.DoesNotContain(saved.Metrics, m => m.Name == "sustained.throttle-onset");
    }

    [Fact]
    public void Bench_llm_sustained_says_in_its_output_when_the_onset_was_not_measured()
    {
        var (code, output, errors) = Wpt.Run("bench", "llm", TinyLlm.File(), "--prompt", "16", "-n", "4", "-t", "1", "--sustained", "0.005", "--window", "60", "--no-save");
        Assert.True(code == 0, errors + output);
        Assert.Contains("Throttle onset: not measured: ", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Bench_llm_shows_a_table_and_plots_decode_by_context()
    {
        var plot = Path.Combine(_directory, "decode.svg");
        var (code, output, errors) = Wpt.Run("bench", "llm", TinyLlm.File(LlmFamily.Phi3, "q8_0"), "--prompt", "16", "-n", "4", "-r", "1", "-t", "1", "--depths", "64", "--plot", plot, "--no-save");
        Assert.True(code == 0, errors);
        Assert.Contains("| pp16 ", output, StringComparison.Ordinal);
        Assert.Contains("tg4@d64", output, StringComparison.Ordinal);
        Assert.Contains("Time to first token", output, StringComparison.Ordinal);
        Assert.Contains("Run rules: ≥ 0 s, ≥ 1 repetitions, variation ≤ 5 %.", output, StringComparison.Ordinal);
        Assert.Contains("Cold start: first token ", output, StringComparison.Ordinal);
        Assert.Contains("for a 16-token prompt", output, StringComparison.Ordinal);
        Assert.Contains("<svg", File.ReadAllText(plot), StringComparison.Ordinal);
        Assert.Contains("Decode (tokens/s)", File.ReadAllText(plot), StringComparison.Ordinal);
    }

    [Fact]
    public void Predict_takes_a_gguf_file_and_uses_its_own_tensors()
    {
        var (code, output, errors) = Wpt.Run("predict", "--platform", "raspberry-pi-5", "--model", TinyLlm.File(LlmFamily.Llama, "q8_0"), "--json");
        Assert.True(code == 0, errors);
        using var json = JsonDocument.Parse(output);
        var text = json.RootElement.ToString();
        Assert.Contains("q8_0", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_llm_compares_predicted_and_measured_prefill_and_decode()
    {
        var (code, output, errors) = Wpt.Run("validate", "llm", "--models", "qwen2.5-0.5b", "--weights", "q4_0", "--prompt", "16", "-n", "4", "-r", "1", "--platform", "raspberry-pi-5", "--json", "--db", Db);
        Assert.True(code == 0, errors);
        using var json = JsonDocument.Parse(output);
        var row = Assert.Single(json.RootElement.GetProperty("rows").EnumerateArray());
        Assert.Equal("qwen2.5-0.5b", row.GetProperty("model").GetString());
        Assert.True(row.GetProperty("measuredDecode").GetDouble() > 0);
        Assert.True(row.GetProperty("predictedDecode").GetDouble() > 0);
        Assert.True(json.RootElement.TryGetProperty("decodeMedianAbsoluteErrorPercent", out _));

        using var store = new SqliteResultStore(Db, "test");
        Assert.Single(store.List(MeasurementKind.Validate));
    }

    [Fact]
    public void Validate_llm_in_rounds_reports_the_median_of_the_rounds_and_their_decode_spread()
    {
        var (code, output, errors) = Wpt.Run("validate", "llm", "--models", "qwen2.5-0.5b", "--weights", "q4_0", "--prompt", "16", "-n", "4", "-r", "1", "--rounds", "2", "--platform", "raspberry-pi-5", "--json", "--no-save");
        Assert.True(code == 0, errors);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(2, json.RootElement.GetProperty("rounds").GetInt32());
        Assert.False(json.RootElement.GetProperty("recalibrated").GetBoolean());
        var row = Assert.Single(json.RootElement.GetProperty("rows").EnumerateArray());
        Assert.Equal(2, row.GetProperty("rounds").GetInt32());
        Assert.True(row.GetProperty("decodeSpreadPercent").GetDouble() >= 0);
        Assert.Equal(JsonValueKind.Null, row.GetProperty("storedProfileDecodeErrorPercent").ValueKind);
        Assert.Equal(Math.Abs(row.GetProperty("decodeErrorPercent").GetDouble()), json.RootElement.GetProperty("decodeMedianAbsoluteErrorPercent").GetDouble(), 9);
    }

    [Fact]
    public void Bench_mix_measures_vision_and_llm_alone_and_together_with_the_prediction()
    {
        var (code, output, errors) = Wpt.Run("bench", "mix", "--vision", "yolov8n", "--input", "96x96", "--fps", "4", "--llm", TinyLlm.File(), "--context", "32", "--duration", "1", "--llm-threads", "1", "--platform", "raspberry-pi-5", "--json", "--db", Db);
        Assert.True(code == 0, errors);
        using var json = JsonDocument.Parse(output);
        var measured = json.RootElement.GetProperty("measured");
        Assert.True(measured.GetProperty("llmAloneTokensPerSecond").GetDouble() > 0);
        Assert.True(measured.GetProperty("llmTogetherTokensPerSecond").GetDouble() > 0);
        Assert.True(measured.GetProperty("visionTogether").GetProperty("frames").GetInt32() > 0);
        var predicted = json.RootElement.GetProperty("predicted");
        Assert.True(predicted.GetProperty("llmSlowdown").GetDouble() >= 1);

        // Run rules, contention and the manifest, as bench onnx and bench llm have them: 1 s phases are INVALID (min duration).
        var verdict = json.RootElement.GetProperty("verdict");
        Assert.StartsWith("INVALID (min duration", verdict.GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, json.RootElement.GetProperty("manifest").GetProperty("modelSha256").EnumerateObject().Count());

        using var store = new SqliteResultStore(Db, "test");
        var record = Assert.Single(store.List(MeasurementKind.Mix)).Record;
        Assert.Contains(record.Metrics, m => m.Name == "predicted.llm.slowdown");
        Assert.Equal(WorkingPoint.Results.Validity.Invalid, record.Verdict!.Validity);
        Assert.StartsWith("wpt bench mix ", record.Manifest!.CommandLine, StringComparison.Ordinal);
        Assert.Equal(record.Verdict.Contention is null, !record.Metrics.Any(m => m.Name == "cpu.other-processes"));
    }

    [Fact]
    public void Bench_mix_prints_its_run_rules_verdict_after_the_table()
    {
        var (code, output, errors) = Wpt.Run("bench", "mix", "--vision", "yolov8n", "--input", "96x96", "--fps", "4", "--llm", TinyLlm.File(), "--context", "32", "--duration", "1", "--llm-threads", "1", "--platform", "raspberry-pi-5", "--no-save");
        Assert.True(code == 0, errors);
        Assert.Contains("Run rules: ≥ 10 s, ≥ 1 repetitions, variation ≤ 5 %.", output, StringComparison.Ordinal);
        Assert.Contains("mix: INVALID (min duration: ran ", output, StringComparison.Ordinal);
    }
}
