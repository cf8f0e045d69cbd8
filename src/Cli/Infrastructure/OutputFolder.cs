using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;

namespace Convotron.Cli.Infrastructure;

/// <summary>
/// An output directory claimed by one run: checked before any work starts (it is a directory, not
/// a file or a file-like name, not one of the run's inputs, writable, not another command's unless
/// --force), locked for the whole run (an OS lock on <see cref="LockFile"/>: a second run into it is
/// refused at once; the kernel drops the lock of a killed run), and written only where
/// <see cref="Manifest"/> says this command wrote before, or where nothing exists yet, unless
/// --force. Temporary files that a killed run of this tool left are removed.
/// </summary>
internal sealed class OutputFolder : IDisposable
{
    /// <summary>The hidden manifest: the command owning the directory and the files each command wrote there.</summary>
    public const string OwnerFile = Manifest.FileName;

    /// <summary>The hidden file a run holds an exclusive lock on while it writes into the directory.</summary>
    public const string LockFile = ".convotron-lock";

    private static readonly string[] s_fileExtensions = [".csv", ".txt", ".json", ".png", ".npy", ".tsv"];

    private static readonly List<OutputFolder> s_active = [];

    private readonly string _option;
    private readonly bool _force;
    private readonly IReadOnlyList<(string Name, string Path)> _inputs;
    private readonly FileStream _lock;
    private readonly Manifest _manifest;
    private readonly System.Threading.Lock _gate = new();
    private readonly HashSet<string> _recorded = new(StringComparer.Ordinal);
    private readonly DateTime _claimed = DateTime.UtcNow.AddSeconds(-1);

    private OutputFolder(string option, string directory, string command, bool force, IReadOnlyList<(string Name, string Path)> inputs, FileStream lockStream, Manifest manifest)
    {
        _option = option;
        Directory = directory;
        Command = command;
        _force = force;
        _inputs = inputs;
        _lock = lockStream;
        _manifest = manifest;
    }

    /// <summary>The directory, as the user gave it.</summary>
    public string Directory { get; }

    /// <summary>The command whose files this run writes (the name recorded in the manifest).</summary>
    public string Command { get; }

    /// <summary>What an interrupted run of this command should tell the user (null: the generic text of <see cref="Interruption"/>).</summary>
    public string? ResumeHint { get; init; }

    /// <summary>True once this run has written (or replaced) a file in the directory.</summary>
    public bool WroteAny
    {
        get
        {
            lock (_gate)
                return _recorded.Any(name => File.GetLastWriteTimeUtc(Path.Combine(Directory, name)) >= _claimed || System.IO.Directory.Exists(Path.Combine(Directory, name)));
        }
    }

    /// <summary>The runs of this process that hold an output directory now (what an interruption reports).</summary>
    public static OutputFolder[] Active()
    {
        lock (s_active)
            return [.. s_active];
    }

    /// <summary>
    /// Claims <paramref name="directory"/> for <paramref name="command"/>: the checks, the lock, and the
    /// files this command is known to write checked before any work.
    /// </summary>
    /// <param name="option">The option naming the directory (for messages).</param>
    /// <param name="directory">The directory.</param>
    /// <param name="command">The command writing there.</param>
    /// <param name="force">--force: write over files this command did not write, and into another command's directory.</param>
    /// <param name="inputs">The run's inputs (argument name, path): never written.</param>
    /// <param name="ownsDirectory">False for predict, which adds its own file names to another command's directory.</param>
    /// <param name="resumeHint">What an interrupted run should tell the user.</param>
    /// <exception cref="UsageException">The directory is a file, an input, cannot be written, is locked by another run, belongs to another command, or holds a file of this command's names that it did not write.</exception>
    public static OutputFolder Claim(string option, string directory, string command, bool force,
        IReadOnlyList<(string Name, string Path)>? inputs = null, bool ownsDirectory = true, string? resumeHint = null)
    {
        inputs ??= [];
        if (File.Exists(directory))
            throw new UsageException($"{option} {directory}: this is a file, but {command} writes several files, so {option} must be a directory.");
        if (!System.IO.Directory.Exists(directory) && Array.IndexOf(s_fileExtensions, Path.GetExtension(directory).ToLowerInvariant()) >= 0)
            throw new UsageException($"{option} {directory}: {command} writes several files, so {option} must be a directory, not a file name ending in {Path.GetExtension(directory)}.");
        RefuseInput(option, directory, inputs, command);
        EnsureWritable(option, directory);
        FileStream lockStream = TakeLock(option, directory);
        try
        {
            Manifest manifest = Manifest.Load(directory);
            if (ownsDirectory && manifest.Owner is string other && other != command && !force)
                throw new UsageException($"{option} {directory}: the directory holds the results of '{other}'; {command} would replace its summary. Use another {option} directory, or --force to write there anyway.");
            RemoveStaleTemporaryFiles(directory);
            var folder = new OutputFolder(option, directory, command, force, inputs, lockStream, manifest) { ResumeHint = resumeHint };
            foreach (string known in Manifest.KnownFiles(command))
            {
                foreach (string name in Manifest.Matching(directory, known))
                    folder.Check(name.TrimEnd('/'));
            }
            if (ownsDirectory && manifest.Owner != command)
            {
                manifest.Owner = command;
                manifest.Save(directory);
            }
            lock (s_active)
                s_active.Add(folder);
            return folder;
        }
        catch
        {
            lockStream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The path of <paramref name="name"/> in the directory, once it is sure to be this command's to
    /// write (it does not exist, this command wrote it, or --force), recorded in the manifest before
    /// it is written.
    /// </summary>
    public string PathOf(string name)
    {
        lock (_gate)
        {
            Check(name);
            _recorded.Add(name);
            if (_manifest.Record(Command, EntryName(name)))
                _manifest.Save(Directory);
            return Path.Combine(Directory, name);
        }
    }

    /// <summary>
    /// A file path named by the user (fit's --model): inside the directory, as <see cref="PathOf"/>;
    /// elsewhere replaced only when <paramref name="isOwn"/> recognises it as a file of the kind this
    /// command writes, or with --force. Never a directory or an input.
    /// </summary>
    public string Output(string option, string path, string kind, Func<string, bool> isOwn)
    {
        string? parent = Path.GetDirectoryName(Path.GetFullPath(path));
        if (parent is not null && FileIdentity.Same(parent, Directory))
        {
            PathOf(Path.GetFileName(path));
            return path;
        }
        CheckSingleFile(option, path, Command, _inputs, _force, kind, isOwn);
        return path;
    }

    /// <summary>
    /// The checks of one output file outside any claimed directory (predict's --out FILE.csv,
    /// fit's --model elsewhere): not an input, not a directory, writable, and replaced only when it
    /// is of the kind the command writes, or with --force.
    /// </summary>
    public static void CheckSingleFile(string option, string path, string command, IReadOnlyList<(string Name, string Path)> inputs, bool force, string kind, Func<string, bool> isOwn)
    {
        RefuseInput(option, path, inputs, command);
        if (System.IO.Directory.Exists(path))
            throw new UsageException($"{option} {path}: this is a directory, but {option} names the file {command} writes {kind} to. Give a file path (a name inside that directory, for instance).");
        EnsureWritable(option, Path.GetDirectoryName(Path.GetFullPath(path))!);
        if (File.Exists(path) && !force && !isOwn(path))
            throw new UsageException($"{option} {path}: the file exists and is not {kind} written by {command}; it is left alone. Give another path, or --force to replace it.");
    }

    /// <summary>
    /// Moves a file this command wrote in an earlier run out of the way (fit's model after a failed
    /// fit), so that it is not taken for this run's result: to NAME.previous.EXT beside it when that
    /// is this command's to write, else deleted. Returns what was done, or null when there was no file.
    /// </summary>
    public string? SetAside(string option, string path, string kind, Func<string, bool> isOwn)
    {
        if (!File.Exists(path))
            return null;
        string aside = Path.Combine(Path.GetDirectoryName(path) ?? "", Path.GetFileNameWithoutExtension(path) + ".previous" + Path.GetExtension(path));
        try
        {
            Output(option, aside, kind, isOwn);
        }
        catch (UsageException)
        {
            File.Delete(path);
            return $"{path}, written by an earlier {Command}, was deleted";
        }
        File.Move(path, aside, overwrite: true);
        return $"{path}, written by an earlier {Command}, was moved to {aside}";
    }

    /// <summary>True when <paramref name="path"/> is a convotron model file (its "format"), the kind of file fit replaces outside its --out directory.</summary>
    public static bool IsModelFile(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            var buffer = new byte[4096];
            int length = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            var reader = new System.Text.Json.Utf8JsonReader(buffer.AsSpan(0, length), isFinalBlock: length < buffer.Length, default);
            while (reader.Read())
            {
                if (reader.TokenType == System.Text.Json.JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("format"))
                    return reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.String && reader.ValueTextEquals(ModelFile.Format);
            }
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or IOException or UnauthorizedAccessException)
        {
            // Not JSON, or unreadable: not a model file.
        }
        return false;
    }

    /// <summary>Drops the manifest's entries of files that were never written and releases the lock.</summary>
    public void Dispose()
    {
        lock (s_active)
            s_active.Remove(this);
        try
        {
            lock (_gate)
            {
                if (_manifest.Prune(Directory))
                    _manifest.Save(Directory);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The entries of missing files are pruned by the next run.
        }
        finally
        {
            _lock.Dispose();
        }
    }

    private string EntryName(string name) => Manifest.KnownFiles(Command).Contains(name + "/") ? name + "/" : name;

    private void Check(string name)
    {
        string path = Path.Combine(Directory, name);
        RefuseInput(_option, path, _inputs, Command);
        bool folder = EntryName(name).EndsWith('/');
        if (System.IO.Directory.Exists(path) && !folder)
            throw new UsageException($"{_option} {Directory}: {name} there is a directory, but {Command} writes a file of that name. Move it away, or use another {_option} directory.");
        if (File.Exists(path) && folder)
            throw new UsageException($"{_option} {Directory}: {name} there is a file, but {Command} writes a folder of that name. Move it away, or use another {_option} directory.");
        if ((File.Exists(path) || System.IO.Directory.Exists(path)) && !_force && !_manifest.Wrote(Command, EntryName(name)))
            throw new UsageException($"{_option} {Directory}: {name} exists there and was not written by {Command} (it is not listed as {Command}'s in {OwnerFile}); it is left alone. Move it away, use another {_option} directory, or --force to replace it.");
    }

    /// <summary>Refuses <paramref name="path"/> when it is one of the inputs (the same file by device and inode, or by resolved path).</summary>
    private static void RefuseInput(string option, string path, IReadOnlyList<(string Name, string Path)> inputs, string command)
    {
        foreach ((string name, string input) in inputs)
        {
            if (FileIdentity.Same(path, input))
                throw new UsageException($"{option} {path}: this is {name} ({input}), an input of {command}; {command} never writes over its inputs. Give another path.");
        }
    }

    private static FileStream TakeLock(string option, string directory)
    {
        string path = Path.Combine(directory, LockFile);
        try
        {
            // FileShare.None: an exclusive flock(2) on Unix, a sharing lock on Windows; held until the run ends or its process dies.
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            stream.SetLength(0);
            stream.Write(System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n"));
            stream.Flush();
            return stream;
        }
        // Held by another run: EWOULDBLOCK from flock (errno 11 on Linux, 35 on macOS), or a Windows sharing/lock violation (32, 33).
        catch (IOException e) when ((e.HResult & 0xFFFF) is 11 or 35 or 32 or 33)
        {
            throw new UsageException($"{option} {directory}: another convotron run is writing there (it holds {path}); wait until it has finished, or use another {option} directory.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{option} {directory}: cannot lock it for this run ({e.Message.TrimEnd('.')}). Choose a directory you can write to.");
        }
    }

    /// <summary>Creates <paramref name="directory"/> if needed and proves it writable with a probe file, naming the option on failure.</summary>
    public static void EnsureWritable(string option, string directory)
    {
        string probe = Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $".convotron-probe.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp"));
        try
        {
            System.IO.Directory.CreateDirectory(directory);
            using (new FileStream(probe, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{option} {directory}: cannot write there ({e.Message.TrimEnd('.')}). Choose a directory you can write to.");
        }
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
            if (!System.IO.Directory.Exists(folder))
                continue;
            foreach (string file in System.IO.Directory.EnumerateFiles(folder, ".*.tmp"))
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
