namespace WorkingPoint.Cli;

public static class Program
{
    public static int Main(string[] args) =>
        WptApp.Run(args, WptConsole.Create(Console.Out, isTerminal: !Console.IsOutputRedirected, Environment.GetEnvironmentVariable), Console.Error, Interrupts.Install());
}
