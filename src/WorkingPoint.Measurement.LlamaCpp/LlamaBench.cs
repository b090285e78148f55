using WorkingPoint.Core;
using WorkingPoint.Measurement.Scenarios;
namespace WorkingPoint.Measurement.LlamaCpp;

/// <summary>What to run, in llama-bench's terms: -p prompt tokens, -n generated tokens, -r repetitions, -d depths.</summary>
/// <param name="Combined">Whether to run the ppP+tgN test (which also gives time to first token).</param>
/// <param name="Depths">Context depths at which to measure generation separately (llama-bench's -d): the KV cache is filled to each depth first.</param>
/// <param name="Sustained">
/// A sustained run: the tgN test alone, repeated back to back for this long (instead of --reps times), each token's completion
/// kept so decode throughput can be read over time (<see cref="LlmBenchResult.SustainedDecode"/>).
/// </param>
public sealed record LlmBenchSettings(int PromptTokens = 512, int GenTokens = 128, int Repetitions = 5, IReadOnlyList<int>? Depths = null, bool Warmup = true, bool Combined = true, TimeSpan? Sustained = null)
{
    public IReadOnlyList<int> DepthList => Depths ?? [];

    /// <summary>The context the runs need: the longest of prompt + generation and each depth + generation.</summary>
    public int ContextTokens => Math.Max(PromptTokens + GenTokens, DepthList.DefaultIfEmpty(0).Max() + GenTokens) + 1;

    public LlmBenchSettings Validate()
    {
        if (PromptTokens < 0 || GenTokens < 0 || PromptTokens + GenTokens == 0 || Repetitions < 1 || DepthList.Any(d => d < 0))
        {
            throw new InvalidInputException($"--prompt {PromptTokens} --gen {GenTokens} --reps {Repetitions}: prompt and gen must be ≥ 0 and not both 0, reps ≥ 1, depths ≥ 0.");
        }

        if (Sustained is { } length)
        {
            if (length <= TimeSpan.Zero)
            {
                throw new InvalidInputException("--sustained takes a positive number of minutes.");
            }

            if (GenTokens == 0)
            {
                throw new InvalidInputException("--sustained measures decode (the tgN test) over time; give -n/--gen above 0.");
            }

            if (DepthList.Count > 0)
            {
                throw new InvalidInputException("--sustained runs the tgN test alone; drop --depths.");
            }
        }

        return this;
    }
}

/// <summary>One llama-bench test: its name (pp512, tg128, pp512+tg128, tg128@d1024), tokens, and the seconds each repetition took.</summary>
public sealed record LlmTestResult(string Name, int PromptTokens, int GenTokens, int Depth, IReadOnlyList<double> Seconds)
{
    public int Tokens => PromptTokens + GenTokens;

    /// <summary>Tokens per second of each repetition; the mean and standard deviation are over these, as llama-bench reports.</summary>
    public IReadOnlyList<double> TokensPerSecondSamples => Seconds.Select(s => Tokens / s).ToArray();

    public double MeanTokensPerSecond => TokensPerSecondSamples.Average();

    public double StdDevTokensPerSecond => StdDev(TokensPerSecondSamples);

    internal static double StdDev(IReadOnlyList<double> values)
    {
        if (values.Count < 2)
        {
            return 0;
        }

        var mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
    }
}

/// <summary>Decode speed at one context length: the KV cache's growth shows as a falling rate.</summary>
public sealed record DecodeAtContext(int ContextTokens, double TokensPerSecond);

/// <summary>
/// The decode of a sustained run: when each generated token finished, in seconds from the start of the timed loop, and how long
/// the loop ran.
/// </summary>
public sealed record SustainedDecode(IReadOnlyList<double> TokenCompletedAtSeconds, double RunSeconds)
{
    /// <summary>Tokens decoded per second in each window of the run (the clearing of the cache between repetitions included).</summary>
    public IReadOnlyList<(double WindowEndSeconds, double SamplesPerSecond)> TokensPerSecond(TimeSpan window) =>
        ThroughputWindows.Rate(TokenCompletedAtSeconds.Select(t => (t, 1.0)), RunSeconds, window);
}

/// <summary>All tests of one benchmark run.</summary>
public sealed record LlmBenchResult(
    LlmBenchSettings Settings,
    int Threads,
    int BatchSize,
    int MicroBatchSize,
    IReadOnlyList<LlmTestResult> Tests,
    IReadOnlyList<double> TimeToFirstTokenSeconds,
    IReadOnlyList<DecodeAtContext> DecodeByContext)
{
    public LlmTestResult? Prompt => Tests.FirstOrDefault(t => t.GenTokens == 0);

    public LlmTestResult? Generation => Tests.FirstOrDefault(t => t.PromptTokens == 0 && t.Depth == 0);

    public double? MeanTimeToFirstTokenSeconds => TimeToFirstTokenSeconds.Count > 0 ? TimeToFirstTokenSeconds.Average() : null;

    /// <summary>A sustained run's token timeline; null for llama-bench's repeated tests.</summary>
    public SustainedDecode? SustainedDecode { get; init; }
}

/// <summary>
/// llama-bench's tests through <see cref="LlamaCppModel"/>: ppP (prompt processing of P random tokens from an empty cache), tgN
/// (N single-token decodes from an empty cache), ppP+tgN (both, one after the other), and tgN@dD (N decodes after D tokens of
/// context). Each test repeats; a warm-up run comes first and is not counted. Time to first token is the prompt's processing plus
/// picking the first token from its logits.
/// </summary>
public static class LlamaBench
{
    /// <summary>Runs the tests (or, with <see cref="LlmBenchSettings.Sustained"/>, the sustained tgN loop); <paramref name="progress"/> gets a description and the fraction done.</summary>
    public static LlmBenchResult Run(LlamaCppModel model, LlmBenchSettings settings, Action<string, double>? progress = null, CancellationToken cancellation = default)
    {
        settings.Validate();
        if (settings.Sustained is { } length)
        {
            return RunSustained(model, settings, length, progress, cancellation);
        }

        var (p, n, r) = (settings.PromptTokens, settings.GenTokens, settings.Repetitions);
        var tests = new List<LlmTestResult>();
        var ttft = new List<double>();
        var decodeByPosition = new Dictionary<int, List<double>>();
        var steps = (r * ((p > 0 ? 1 : 0) + (n > 0 ? 1 : 0) + (p > 0 && n > 0 && settings.Combined ? 1 : 0) + settings.DepthList.Count)) + 1;
        var step = 0;
        void Report(string what) => progress?.Invoke(what, (double)step++ / steps);

        if (settings.Warmup)
        {
            Report("warm-up");
            model.ClearCache();
            model.Prefill(Math.Clamp(p, 1, 32));
            model.Generate(1, Math.Clamp(p, 1, 32));
        }

        if (p > 0)
        {
            tests.Add(Repeat($"pp{p}", p, 0, 0, () =>
            {
                model.ClearCache();
                return model.Prefill(p);
            }));
        }

        if (n > 0)
        {
            tests.Add(Repeat($"tg{n}", 0, n, 0, () =>
            {
                model.ClearCache();
                var perToken = model.Generate(n, 0);
                Record(0, perToken);
                return perToken.Sum();
            }));
        }

        if (p > 0 && n > 0 && settings.Combined)
        {
            tests.Add(Repeat($"pp{p}+tg{n}", p, n, 0, () =>
            {
                model.ClearCache();
                var first = System.Diagnostics.Stopwatch.StartNew();
                var prefill = model.Prefill(p);
                _ = model.GreedyToken();
                ttft.Add(first.Elapsed.TotalSeconds);
                var perToken = model.Generate(n, p);
                Record(p, perToken);
                return prefill + perToken.Sum();
            }));
        }

        foreach (var depth in settings.DepthList.Where(d => n > 0))
        {
            tests.Add(Repeat($"tg{n}@d{depth}", 0, n, depth, () =>
            {
                model.ClearCache();
                if (depth > 0)
                {
                    model.Prefill(depth);
                }

                var perToken = model.Generate(n, depth);
                Record(depth, perToken);
                return perToken.Sum();
            }));
        }

        progress?.Invoke("done", 1);
        return Result();

        LlmBenchResult Result()
        {
            var byContext = decodeByPosition.OrderBy(kv => kv.Key).Select(kv => new DecodeAtContext(kv.Key, 1 / kv.Value.Average())).ToArray();
            return new LlmBenchResult(settings, model.Options.ThreadCount, model.Options.BatchSize, model.Options.MicroBatchSize, tests.ToArray(), ttft.ToArray(), byContext);
        }

        LlmTestResult Repeat(string name, int prompt, int gen, int depth, Func<double> once)
        {
            var seconds = new double[r];
            for (var i = 0; i < r; i++)
            {
                if (cancellation.IsCancellationRequested)
                {
                    // Stopped between repetitions: the tests done, and the repetitions of this one that finished, are kept.
                    if (i > 0)
                    {
                        tests.Add(new LlmTestResult(name, prompt, gen, depth, seconds[..i]));
                    }

                    throw new LlmBenchInterruptedException(tests.Count == 0 ? null : Result(), new OperationCanceledException(cancellation));
                }

                Report($"{name} ({i + 1}/{r})");
                seconds[i] = once();
            }

            return new LlmTestResult(name, prompt, gen, depth, seconds);
        }

        // Per-token decode times bucketed by context length (to the nearest 64 tokens), for the decode-vs-context curve.
        void Record(int start, double[] perToken)
        {
            for (var i = 0; i < perToken.Length; i++)
            {
                var bucket = (start + i) / 64 * 64;
                if (!decodeByPosition.TryGetValue(bucket, out var list))
                {
                    decodeByPosition[bucket] = list = [];
                }

                list.Add(perToken[i]);
            }
        }
    }

    /// <summary>
    /// A sustained run: after the warm-up, the tgN test (N decodes from an empty cache) repeated back to back until
    /// <paramref name="length"/> has passed, each token's completion time kept; stopped (the token) between repetitions, it throws
    /// <see cref="LlmBenchInterruptedException"/> with the repetitions that finished.
    /// </summary>
    private static LlmBenchResult RunSustained(LlamaCppModel model, LlmBenchSettings settings, TimeSpan length, Action<string, double>? progress, CancellationToken cancellation)
    {
        var n = settings.GenTokens;
        var name = $"tg{n}";
        if (settings.Warmup)
        {
            progress?.Invoke("warm-up", 0);
            model.ClearCache();
            model.Generate(1, 0);
        }

        var seconds = new List<double>();
        var completed = new List<double>();
        var decodeByPosition = new double[n];
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < length)
        {
            if (cancellation.IsCancellationRequested)
            {
                throw new LlmBenchInterruptedException(seconds.Count == 0 ? null : Result(), new OperationCanceledException(cancellation));
            }

            progress?.Invoke($"{name} ({seconds.Count + 1}, sustained)", Math.Min(1, clock.Elapsed / length));
            model.ClearCache();
            var at = clock.Elapsed.TotalSeconds;
            var perToken = model.Generate(n, 0);
            for (var i = 0; i < perToken.Length; i++)
            {
                // Each token's end: the repetition's start plus the decodes before it and its own.
                at += perToken[i];
                completed.Add(at);
                decodeByPosition[i] += perToken[i];
            }

            seconds.Add(perToken.Sum());
        }

        progress?.Invoke("done", 1);
        return Result();

        LlmBenchResult Result()
        {
            var byContext = Enumerable.Range(0, n).GroupBy(i => i / 64 * 64)
                .Select(g => new DecodeAtContext(g.Key, seconds.Count * g.Count() / g.Sum(i => decodeByPosition[i]))).ToArray();
            return new LlmBenchResult(settings, model.Options.ThreadCount, model.Options.BatchSize, model.Options.MicroBatchSize, [new LlmTestResult(name, 0, n, 0, seconds.ToArray())], [], byContext)
            {
                SustainedDecode = new SustainedDecode(completed.ToArray(), clock.Elapsed.TotalSeconds),
            };
        }
    }
}

/// <summary>
/// A benchmark stopped by its cancellation token (Ctrl-C) between repetitions: <see cref="Partial"/> holds the tests and
/// repetitions that finished, or is null when none did. It is still an <see cref="OperationCanceledException"/>.
/// </summary>
public sealed class LlmBenchInterruptedException(LlmBenchResult? partial, Exception inner)
    : OperationCanceledException("The benchmark was stopped before its last test.", inner)
{
    public LlmBenchResult? Partial { get; } = partial;
}
