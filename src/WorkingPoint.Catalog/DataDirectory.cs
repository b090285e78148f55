namespace WorkingPoint.Catalog;

/// <summary>
/// Where WorkingPoint keeps what it measures on this machine (the measured <c>host</c> platform, the results database):
/// <c>$WPT_DATA_DIR</c>, else <c>$XDG_DATA_HOME/workingpoint</c>, else <c>~/.local/share/workingpoint</c>.
/// </summary>
public static class DataDirectory
{
    public const string OverrideVariable = "WPT_DATA_DIR";

    /// <summary>The directory, not created; callers that write create it.</summary>
    public static string Path
    {
        get
        {
            var explicitDirectory = Environment.GetEnvironmentVariable(OverrideVariable);
            if (!string.IsNullOrWhiteSpace(explicitDirectory))
            {
                return explicitDirectory;
            }

            var xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
            var root = !string.IsNullOrWhiteSpace(xdg)
                ? xdg
                : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
            return System.IO.Path.Combine(root, "workingpoint");
        }
    }

    /// <summary>A file inside the data directory, creating the directory.</summary>
    public static string File(string name)
    {
        var directory = Path;
        Directory.CreateDirectory(directory);
        return System.IO.Path.Combine(directory, name);
    }
}
