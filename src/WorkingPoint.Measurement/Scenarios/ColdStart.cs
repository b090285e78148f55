using System.Diagnostics;
using System.Globalization;

namespace WorkingPoint.Measurement.Scenarios;

/// <summary>
/// How long a cold process takes to its first result: from process start, from the start of the model load, and the first
/// inference alone, which pays for lazy allocation, kernel selection and cold caches; compared with the steady state it shows what
/// a product that starts on demand pays for its first answer.
/// </summary>
/// <param name="ProcessToFirstResultSeconds">From the process's start (as the OS records it) to the end of the first inference.</param>
/// <param name="LoadSeconds">Loading the model (session creation, graph optimisation) until it can infer.</param>
/// <param name="FirstInferenceSeconds">The first inference after the load.</param>
public sealed record ColdStart(double ProcessToFirstResultSeconds, double LoadSeconds, double FirstInferenceSeconds)
{
    /// <summary>From the start of the load to the first result.</summary>
    public double LoadToFirstResultSeconds => LoadSeconds + FirstInferenceSeconds;

    /// <summary>Times <paramref name="load"/> and then one <paramref name="infer"/> on what it returned.</summary>
    public static (T Loaded, ColdStart ColdStart) Measure<T>(Func<T> load, Action<T> infer)
    {
        ArgumentNullException.ThrowIfNull(load);
        ArgumentNullException.ThrowIfNull(infer);
        var clock = Stopwatch.StartNew();
        var loaded = load();
        var loadSeconds = clock.Elapsed.TotalSeconds;
        infer(loaded);
        var firstSeconds = clock.Elapsed.TotalSeconds - loadSeconds;
        return (loaded, new ColdStart(ProcessAgeSeconds(), loadSeconds, firstSeconds));
    }

    /// <summary>How many times the steady-state latency the first inference took (1 = no cold-start cost).</summary>
    public double FirstVersusSteady(double steadySeconds) => steadySeconds > 0 ? FirstInferenceSeconds / steadySeconds : double.NaN;

    /// <summary>One line, e.g. "first result 0.91 s after process start, 0.12 s after the load began; first inference 8.1 ms, 3.2 × the steady p50".</summary>
    public string Describe(double steadySeconds) => string.Create(CultureInfo.InvariantCulture,
        $"first result {ProcessToFirstResultSeconds:0.###} s after process start, {LoadToFirstResultSeconds:0.###} s after the model load began (load {LoadSeconds * 1000:0.#} ms); first inference {FirstInferenceSeconds * 1000:0.###} ms, {FirstVersusSteady(steadySeconds):0.##} × the steady-state p50 ({steadySeconds * 1000:0.###} ms)");

    private static double ProcessAgeSeconds()
    {
        using var process = Process.GetCurrentProcess();
        return (DateTime.Now - process.StartTime).TotalSeconds;
    }
}

/// <summary>
/// An LLM's cold start: the model load and its first token (prefill of the prompt, then the first token picked) timed as
/// <see cref="ColdStart"/> times a network's first inference, and the first decode step after it, each to be compared with the
/// steady state of the run that follows.
/// </summary>
/// <param name="ToFirstToken">Process start → first token, load, and the first token alone (its "first inference").</param>
/// <param name="PromptTokens">The prompt the first token was prefilled from (the run's own prompt length, so it compares with the run's TTFT).</param>
/// <param name="FirstDecodeSeconds">The first decode step after the first token; null when the run generates nothing.</param>
public sealed record LlmColdStart(ColdStart ToFirstToken, int PromptTokens, double? FirstDecodeSeconds)
{
    /// <summary>How many times the steady-state time to first token the cold one took; NaN without a steady figure.</summary>
    public double FirstTokenVersusSteady(double? steadyFirstTokenSeconds) => steadyFirstTokenSeconds is { } s ? ToFirstToken.FirstVersusSteady(s) : double.NaN;

    /// <summary>How many times the steady-state decode step the first one took; NaN without either figure.</summary>
    public double FirstDecodeVersusSteady(double? steadyDecodeSeconds) =>
        FirstDecodeSeconds is { } first && steadyDecodeSeconds is { } steady && steady > 0 ? first / steady : double.NaN;

    /// <summary>One line, e.g. "first token 2.1 s after process start, 0.4 s after the model load began (load 310 ms); first token 92 ms for a 16-token prompt, 1.4 × the steady-state TTFT (65 ms); first decode step 21 ms, 1.1 × the steady-state step (19 ms)".</summary>
    public string Describe(double? steadyFirstTokenSeconds, double? steadyDecodeSeconds)
    {
        var c = ToFirstToken;
        var text = string.Create(CultureInfo.InvariantCulture,
            $"first token {c.ProcessToFirstResultSeconds:0.###} s after process start, {c.LoadToFirstResultSeconds:0.###} s after the model load began (load {c.LoadSeconds * 1000:0.#} ms); first token {c.FirstInferenceSeconds * 1000:0.###} ms for a {PromptTokens}-token prompt");
        text += steadyFirstTokenSeconds is { } ttft
            ? string.Create(CultureInfo.InvariantCulture, $", {FirstTokenVersusSteady(ttft):0.##} × the steady-state TTFT ({ttft * 1000:0.###} ms)")
            : " (no steady-state TTFT: the run has no prompt + generation test)";
        if (FirstDecodeSeconds is { } decode)
        {
            text += string.Create(CultureInfo.InvariantCulture, $"; first decode step {decode * 1000:0.###} ms");
            text += steadyDecodeSeconds is { } step
                ? string.Create(CultureInfo.InvariantCulture, $", {FirstDecodeVersusSteady(step):0.##} × the steady-state step ({step * 1000:0.###} ms)")
                : string.Empty;
        }

        return text;
    }
}
