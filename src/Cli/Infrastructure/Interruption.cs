using System;
using System.IO;
using System.Runtime.InteropServices;

namespace Convotron.Cli.Infrastructure;

/// <summary>
/// What an interrupted run (Ctrl-C, SIGTERM) says before the process ends: for each output
/// directory it holds, how to resume, or that nothing was written. The process still ends as
/// before (exit 130 on Ctrl-C); the kernel releases the directory's lock.
/// </summary>
internal static class Interruption
{
    /// <summary>The line for one held directory.</summary>
    public static string Message(OutputFolder folder)
    {
        if (folder.ResumeHint is string hint)
            return $"interrupted: {hint.Replace("{out}", folder.Directory, StringComparison.Ordinal)}";
        if (!folder.WroteAny)
            return $"interrupted: {folder.Command} wrote nothing to {folder.Directory} (its earlier files there are unchanged); rerun the command to get its results.";
        return $"interrupted: the results of {folder.Command} in {folder.Directory} are incomplete (each file written so far is whole, but others are missing or from an earlier run); rerun the same command to write them all.";
    }

    /// <summary>Reports interruptions of this process on <paramref name="error"/> until disposed (the real process only, not the in-process tests).</summary>
    public static IDisposable Report(TextWriter error)
    {
        void Handler(PosixSignalContext context)
        {
            foreach (OutputFolder folder in OutputFolder.Active())
                error.WriteLine(Message(folder));
            error.Flush();
        }

        return new Registrations(PosixSignalRegistration.Create(PosixSignal.SIGINT, Handler), PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handler));
    }

    private sealed class Registrations(params IDisposable[] registrations) : IDisposable
    {
        public void Dispose()
        {
            foreach (IDisposable registration in registrations)
                registration.Dispose();
        }
    }
}
