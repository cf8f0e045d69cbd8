using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;

namespace Convotron.Cli.Infrastructure;

/// <summary>
/// The checks every output directory gets before any work starts: it is a directory (not a file,
/// not a file-like name), it can be created and written, it does not hold another command's
/// results (unless --force), and temporary files that a killed run of this tool left are removed.
/// </summary>
internal static class OutputFolder
{
    /// <summary>The hidden file naming the command whose results a directory holds.</summary>
    public const string OwnerFile = ".convotron-owner";

    private static readonly string[] s_fileExtensions = [".csv", ".txt", ".json", ".png", ".npy", ".tsv"];

    /// <summary>
    /// Prepares <paramref name="directory"/> for <paramref name="owner"/>'s results and returns it.
    /// </summary>
    /// <exception cref="UsageException">The directory is a file, looks like a file name, cannot be written, or belongs to another command.</exception>
    public static string Claim(string option, string directory, string owner, bool force)
    {
        if (File.Exists(directory))
            throw new UsageException($"{option} {directory}: this is a file, but {owner} writes several files, so {option} must be a directory.");
        if (!Directory.Exists(directory) && Array.IndexOf(s_fileExtensions, Path.GetExtension(directory).ToLowerInvariant()) >= 0)
            throw new UsageException($"{option} {directory}: {owner} writes several files, so {option} must be a directory, not a file name ending in {Path.GetExtension(directory)}.");
        EnsureWritable(option, directory);
        string? other = OwnerOf(directory);
        if (other is not null && other != owner && !force)
            throw new UsageException($"{option} {directory}: the directory holds the results of '{other}'; {owner} would replace its summary. Use another {option} directory, or --force to write there anyway.");
        RemoveStaleTemporaryFiles(directory);
        if (other != owner)
            Convotron.AtomicFile.WriteAllText(Path.Combine(directory, OwnerFile), owner + "\n");
        return directory;
    }

    /// <summary>Creates <paramref name="directory"/> if needed and proves it writable with a probe file, naming the option on failure.</summary>
    public static void EnsureWritable(string option, string directory)
    {
        string probe = Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $".convotron-probe.{Environment.ProcessId}.tmp"));
        try
        {
            Directory.CreateDirectory(directory);
            using (new FileStream(probe, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{option} {directory}: cannot write there ({e.Message.TrimEnd('.')}). Choose a directory you can write to.");
        }
    }

    /// <summary>The command whose results <paramref name="directory"/> holds: its owner file, else the first word of a summary.txt, else null.</summary>
    public static string? OwnerOf(string directory)
    {
        try
        {
            string ownerFile = Path.Combine(directory, OwnerFile);
            if (File.Exists(ownerFile))
                return File.ReadAllText(ownerFile).Trim();
            string summary = Path.Combine(directory, "summary.txt");
            if (File.Exists(summary))
            {
                using var reader = new StreamReader(summary);
                string word = (reader.ReadLine() ?? "").Split(' ', ':')[0];
                return word is "fit" or "geometry" or "make-data" or "sweep" or "figure1" or "compare" ? word : null;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Unreadable markers do not claim the directory; writing will report the real problem.
        }
        return null;
    }

    /// <summary>
    /// Deletes the temporary files of <see cref="Convotron.AtomicFile"/> (".NAME.PID.GUID.tmp") in
    /// <paramref name="directory"/> and its cells/ folder whose process is no longer running: what a
    /// killed run left behind. Files of a live process (a parallel shard) are kept.
    /// </summary>
    public static int RemoveStaleTemporaryFiles(string directory)
    {
        int removed = 0;
        foreach (string folder in new[] { directory, Path.Combine(directory, "cells") })
        {
            if (!Directory.Exists(folder))
                continue;
            foreach (string file in Directory.EnumerateFiles(folder, ".*.tmp"))
            {
                string[] parts = Path.GetFileName(file).Split('.');
                // "", NAME..., PID, GUID, "tmp": the process id is the third part from the end.
                if (parts.Length < 5 || !int.TryParse(parts[^3], NumberStyles.None, CultureInfo.InvariantCulture, out int pid) || parts[^2].Length != 32)
                    continue;
                if (pid == Environment.ProcessId || IsRunning(pid))
                    continue;
                try
                {
                    File.Delete(file);
                    removed++;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Another user's file or a race with its owner: leave it.
                }
            }
        }
        return removed;
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }
}
