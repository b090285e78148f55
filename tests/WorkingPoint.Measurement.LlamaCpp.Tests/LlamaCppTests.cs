using WorkingPoint.Core;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Measurement.Concurrency;
using WorkingPoint.Tests.Shared;

namespace WorkingPoint.Measurement.LlamaCpp.Tests;

public sealed class LlamaCppTests
{
    [Theory]
    [InlineData(LlmFamily.Llama, "q4_0")]
    [InlineData(LlmFamily.Llama, "q8_0")]
    [InlineData(LlmFamily.Llama, "fp16")]
    [InlineData(LlmFamily.Qwen2, "q4_0")]
    [InlineData(LlmFamily.Gemma2, "q8_0")]
    [InlineData(LlmFamily.Phi3, "q4_k_m")]
    [InlineData(LlmFamily.Qwen3, "q4_0")]
    [InlineData(LlmFamily.Qwen3Moe, "q4_0")]
    [InlineData(LlmFamily.Gemma3, "q8_0")]
    [InlineData(LlmFamily.Mixtral, "q4_0")]
    [InlineData(LlmFamily.GptOss, "q8_0")]
    public void Llama_cpp_loads_a_synthesized_model_of_each_family_and_its_logits_are_finite(LlmFamily family, string format)
    {
        using var model = LlamaCppModel.Load(TinyLlm.File(family, format), 128, new LlamaCppOptions(Threads: 1));
        Assert.Equal(1024, model.VocabSize);
        Assert.Equal(TinyLlm.Architecture(family).Parameters, model.ParameterCount);

        model.Prefill(16);
        Assert.True(model.LastLogitsAreFinite());
        model.Generate(4, 16);
        Assert.True(model.LastLogitsAreFinite());
        Assert.InRange(model.GreedyToken(), 0, 1023);
    }

    [Fact]
    public void A_benchmark_stopped_between_repetitions_hands_over_the_tests_and_repetitions_that_finished()
    {
        using var model = LlamaCppModel.Load(TinyLlm.File(), 128, new LlamaCppOptions(Threads: 1));
        using var stop = new CancellationTokenSource();

        // Ctrl-C as the second repetition of pp16 starts: that repetition finishes, the third and the tg test never run.
        var error = Assert.Throws<LlmBenchInterruptedException>(() => LlamaBench.Run(
            model,
            new LlmBenchSettings(PromptTokens: 16, GenTokens: 4, Repetitions: 3),
            (what, _) =>
            {
                if (what.StartsWith("pp16 (2/", StringComparison.Ordinal))
                {
                    stop.Cancel();
                }
            },
            stop.Token));

        var partial = Assert.IsType<LlmBenchResult>(error.Partial);
        var test = Assert.Single(partial.Tests);
        Assert.Equal("pp16", test.Name);
        Assert.Equal(2, test.Seconds.Count);
        Assert.True(test.MeanTokensPerSecond > 0);
    }

    [Fact]
    public void The_benchmark_runs_llama_bench_tests_by_their_names()
    {
        using var model = LlamaCppModel.Load(TinyLlm.File(), 128, new LlamaCppOptions(Threads: 1));
        var progress = new List<double>();
        var result = LlamaBench.Run(model, new LlmBenchSettings(PromptTokens: 32, GenTokens: 8, Repetitions: 2, Depths: [64]), (_, f) => progress.Add(f));

        Assert.Equal(["pp32", "tg8", "pp32+tg8", "tg8@d64"], result.Tests.Select(t => t.Name));
        Assert.All(result.Tests, t => Assert.Equal(2, t.Seconds.Count));
        Assert.All(result.Tests, t => Assert.True(t.MeanTokensPerSecond > 0 && double.IsFinite(t.StdDevTokensPerSecond)));
        Assert.Equal(2, result.TimeToFirstTokenSeconds.Count);
        Assert.Equal(32, result.Prompt!.PromptTokens);
        Assert.Equal(8, result.Generation!.GenTokens);
        Assert.Contains(result.DecodeByContext, d => d.ContextTokens == 0);
        Assert.Contains(result.DecodeByContext, d => d.ContextTokens == 64);
        Assert.Equal(1, progress[^1]);
        Assert.Equal(progress.Order(), progress);
    }

    [Fact]
    public void Tokens_per_second_is_the_mean_over_repetitions_with_the_sample_standard_deviation()
    {
        var test = new LlmTestResult("tg10", 0, 10, 0, [1.0, 0.5]);
        Assert.Equal(15, test.MeanTokensPerSecond, 9);
        Assert.Equal(Math.Sqrt(50), test.StdDevTokensPerSecond, 9);
    }

    [Fact]
    public void The_context_needed_covers_prompt_generation_and_every_depth()
    {
        Assert.Equal(641, new LlmBenchSettings(512, 128).ContextTokens);
        Assert.Equal(2177, new LlmBenchSettings(512, 128, Depths: [1024, 2048]).ContextTokens);
        Assert.Throws<InvalidInputException>(() => new LlmBenchSettings(0, 0).Validate());
        Assert.Throws<InvalidInputException>(() => new LlmBenchSettings(8, 8, 0).Validate());
    }

    [Fact]
    public void A_sustained_run_repeats_the_tg_test_until_its_length_and_keeps_when_each_token_finished()
    {
        using var model = LlamaCppModel.Load(TinyLlm.File(), 128, new LlamaCppOptions(Threads: 1));
        var length = TimeSpan.FromSeconds(0.3);
        var result = LlamaBench.Run(model, new LlmBenchSettings(PromptTokens: 16, GenTokens: 4, Sustained: length));

        var test = Assert.Single(result.Tests);
        Assert.Equal("tg4", test.Name);
        var decode = Assert.IsType<SustainedDecode>(result.SustainedDecode);
        Assert.True(decode.RunSeconds >= length.TotalSeconds);
        Assert.Equal(4 * test.Seconds.Count, decode.TokenCompletedAtSeconds.Count);
        Assert.True(decode.TokenCompletedAtSeconds.Zip(decode.TokenCompletedAtSeconds.Skip(1)).All(p => p.Second > p.First));
        // The windows' rates, each over its own width (the last one partial), count every token once.
        var windows = decode.TokensPerSecond(TimeSpan.FromSeconds(0.1));
        Assert.Equal(decode.TokenCompletedAtSeconds.Count, windows.Select((w, i) => w.SamplesPerSecond * (w.WindowEndSeconds - (i == 0 ? 0 : windows[i - 1].WindowEndSeconds))).Sum(), 6);
        Assert.Empty(result.TimeToFirstTokenSeconds);
    }

    [Theory]
    [InlineData(4, false, 0.0, "--sustained takes a positive number of minutes")]
    [InlineData(0, false, 1.0, "--sustained measures decode (the tgN test) over time; give -n/--gen above 0.")]
    [InlineData(4, true, 1.0, "--sustained runs the tgN test alone; drop --depths.")]
    public void A_sustained_run_without_decode_to_time_is_refused_in_one_line(int gen, bool withDepth, double minutes, string expected)
    {
        var error = Assert.Throws<InvalidInputException>(() => new LlmBenchSettings(16, gen, Depths: withDepth ? [64] : null, Sustained: TimeSpan.FromMinutes(minutes)).Validate());
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_a_measurement_error_that_names_it()
    {
        var error = Assert.Throws<MeasurementException>(() => LlamaCppModel.Load("/nonexistent/model.gguf", 64, new LlamaCppOptions()));
        Assert.Contains("/nonexistent/model.gguf", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_stream_cycles_through_its_context_without_running_out()
    {
        using var model = LlamaCppModel.Load(TinyLlm.File(), 16, new LlamaCppOptions(Threads: 1));
        for (var i = 0; i < 40; i++)
        {
            model.NextStreamToken();
        }

        Assert.True(model.LastLogitsAreFinite());
    }

    [Fact]
    public void A_mix_runs_frames_and_a_stream_alone_and_together()
    {
        var frames = 0;
        var units = 0;
        var result = MixRunner.Run(() => { Interlocked.Increment(ref frames); Thread.Sleep(2); }, 50, () => { Interlocked.Increment(ref units); Thread.Sleep(1); }, TimeSpan.FromMilliseconds(300), TimeSpan.Zero);

        Assert.InRange(result.FramesAlone.Frames, 14, 16);
        Assert.InRange(result.FramesTogether.Frames, 14, 16);
        Assert.True(result.StreamAlone.Units > 0 && result.StreamTogether.Units > 0);
        Assert.Equal(result.FramesAlone.Frames, result.FramesAlone.StartSeconds.Count);
    }

    [Fact]
    public void Frames_slower_than_their_period_miss_their_deadlines()
    {
        var result = MixRunner.Periodic(() => Thread.Sleep(30), 100, TimeSpan.FromMilliseconds(200), CancellationToken.None);
        Assert.True(result.DeadlinesMissed > 0);
        Assert.False(result.RateHeld);
    }
}
