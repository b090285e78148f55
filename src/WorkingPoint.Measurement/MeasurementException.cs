using WorkingPoint.Core;
namespace WorkingPoint.Measurement;

/// <summary>A measurement cannot run as asked (a model the runtime rejects, a wrong input shape, a missing execution provider); the message names the problem and the fix.</summary>
public sealed class MeasurementException : WorkingPointException
{
    public MeasurementException(string message)
        : base(message)
    {
    }

    public MeasurementException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
