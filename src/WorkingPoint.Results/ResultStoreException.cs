using WorkingPoint.Core;
namespace WorkingPoint.Results;

/// <summary>The results store cannot be used as it is (not a database, a newer schema, an unknown id); the message names the file and the fix.</summary>
public sealed class ResultStoreException : WorkingPointException
{
    public ResultStoreException(string message)
        : base(message)
    {
    }

    public ResultStoreException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
