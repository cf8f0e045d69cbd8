using System;
using System.IO;
using System.Linq;
using System.Threading;

namespace Convotron.Cli.Tests;

/// <summary>Runs the CLI in-process and captures what it prints.</summary>
internal static class Cli
{
    private static int _counter;

    public sealed record Result(int ExitCode, string Output, string Error);

    public static Result Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CliApp.Run(args, output, error);
        return new Result(code, output.ToString(), error.ToString());
    }

    /// <summary>A fresh, empty directory under the system temp folder.</summary>
    public static string TempDirectory(string name)
    {
        string path = Path.Combine(Path.GetTempPath(), "convotron-cli-tests", $"{name}-{Environment.ProcessId}-{Interlocked.Increment(ref _counter)}");
        if (Directory.Exists(path))
            Directory.Delete(path, recursive: true);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>The repository root (the folder holding Convotron.sln).</summary>
    public static string RepositoryRoot()
    {
        string? directory = AppContext.BaseDirectory;
        while (directory is not null && !File.Exists(Path.Combine(directory, "Convotron.sln")))
            directory = Path.GetDirectoryName(directory);
        return directory ?? throw new InvalidOperationException("Convotron.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>convotron.dll with its runtimeconfig, runnable as 'dotnet convotron.dll'.</summary>
    public static string ToolPath()
    {
        string local = Path.Combine(AppContext.BaseDirectory, "convotron.dll");
        if (File.Exists(local) && File.Exists(Path.Combine(AppContext.BaseDirectory, "convotron.runtimeconfig.json")))
            return local;
        string bin = Path.Combine(RepositoryRoot(), "src", "Cli", "bin");
        return Directory.EnumerateFiles(bin, "convotron.dll", SearchOption.AllDirectories)
            .Where(p => File.Exists(Path.Combine(Path.GetDirectoryName(p)!, "convotron.runtimeconfig.json")))
            .OrderByDescending(File.GetLastWriteTimeUtc).First();
    }
}
