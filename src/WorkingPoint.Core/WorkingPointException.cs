namespace WorkingPoint.Core;

/// <summary>
/// The base of every error that is the user's to fix: a bad file, option, figure or environment. Its message is one sentence
/// naming the problem and the fix, printed as it is with exit code 2. Any other exception is a bug in WorkingPoint and is
/// reported as one (exit code 70, trace written to a file), never as the user's mistake.
/// </summary>
public abstract class WorkingPointException : Exception
{
    protected WorkingPointException(string message)
        : base(TerminalText.Clean(message))
    {
    }

    protected WorkingPointException(string message, Exception? inner)
        : base(TerminalText.Clean(message), inner)
    {
    }
}

/// <summary>A value the user gave (an option, a size, a format id, a figure) that is out of range or not understood.</summary>
public sealed class InvalidInputException : WorkingPointException
{
    public InvalidInputException(string message)
        : base(message)
    {
    }

    public InvalidInputException(string message, Exception? inner)
        : base(message, inner)
    {
    }
}
