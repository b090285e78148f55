using WorkingPoint.Core.Units;

namespace WorkingPoint.Core.Runtimes;

/// <summary>The quantity a prediction gives, each with its own error band: a runtime's decode may be well known and its prefill not.</summary>
public enum PredictedQuantity
{
    /// <summary>LLM decode: generated tokens per second.</summary>
    Decode,

    /// <summary>LLM prefill: prompt tokens per second and time to the first token.</summary>
    Prefill,

    /// <summary>A network's latency or frames per second.</summary>
    Network,
}

public static class PredictedQuantityExtensions
{
    public static string ToId(this PredictedQuantity quantity) => quantity switch
    {
        PredictedQuantity.Decode => "decode",
        PredictedQuantity.Prefill => "prefill",
        _ => "network",
    };

    public static bool TryParse(string? text, out PredictedQuantity quantity)
    {
        foreach (var q in Enum.GetValues<PredictedQuantity>())
        {
            if (string.Equals(q.ToId(), text?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                quantity = q;
                return true;
            }
        }

        quantity = default;
        return false;
    }
}

/// <summary>
/// How far a runtime's predictions of one quantity were from measurements it was not fitted to: the 68th percentile of the
/// cross-validated |log(predicted / measured)| written as ±x % (about one standard deviation of a normal log error), over
/// <paramref name="Rows"/> published rows. A measurement is expected between predicted ÷ (1 + x) and predicted × (1 + x).
/// </summary>
public sealed record ErrorBand(string RuntimeId, double PlusMinusPercent, int Rows)
{
    /// <summary>What a prediction without a calibrated runtime says instead of a band.</summary>
    public const string Uncalibrated = "uncalibrated: datasheet only";

    /// <summary>The percentile of the held-out |log error| the band is.</summary>
    public const double Percentile = 68;

    /// <summary>The ratio between the band's edge and the prediction: 1 + x.</summary>
    public double Factor => 1 + (PlusMinusPercent / 100);

    /// <summary>The low end of the band around <paramref name="predicted"/>.</summary>
    public double Low(double predicted) => predicted / Factor;

    /// <summary>The high end of the band around <paramref name="predicted"/>.</summary>
    public double High(double predicted) => predicted * Factor;

    /// <summary>Checks the figures are a band: a finite, non-negative width over at least one row.</summary>
    public ErrorBand Validate(string owner)
    {
        if (!(PlusMinusPercent >= 0 && PlusMinusPercent <= 10_000) || Rows < 1)
        {
            throw new InvalidInputException($"{owner}: an error band needs plusMinusPercent from 0 to 10000 and rows ≥ 1, got ±{PlusMinusPercent} % over {Rows} rows.");
        }

        return this;
    }

    /// <summary>"±12 % (n = 18, llama.cpp-cuda)".</summary>
    public override string ToString() => $"±{NumberText.Significant(PlusMinusPercent, 2)} % (n = {Rows}, {RuntimeId})";

    /// <summary>The band, or <see cref="Uncalibrated"/> when there is none.</summary>
    public static string Format(ErrorBand? band) => band?.ToString() ?? Uncalibrated;
}
