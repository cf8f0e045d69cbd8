using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace Convotron.Cli.Infrastructure;

/// <summary>
/// The hidden <c>.convotron-owner</c> file of an output directory: the command that owns it and,
/// per command, the files it wrote there, one <c>COMMAND&lt;TAB&gt;NAME</c> line each (a folder
/// ends in /). Written atomically before each new file. A file of older versions holds only the
/// owner's name: then the files of the owner's <see cref="KnownFiles"/> that exist count as its own
/// (likewise predict's files when predict.txt is predict's, and a summary.txt naming its command
/// where there is no manifest at all).
/// </summary>
internal sealed class Manifest
{
    public const string FileName = ".convotron-owner";

    private const string Header = "# convotron: the command owning this directory, then each file a command wrote here (COMMAND<TAB>NAME); a command replaces only its own files unless --force";
    private const string OwnerKey = "owner";

    private static readonly Dictionary<string, string[]> s_known = new(StringComparer.Ordinal)
    {
        ["fit"] = ["summary.txt", "fit_curve.csv", "fit_curve.png", "model.json", "model.previous.json"],
        ["predict"] = ["predictions.csv", "predictions.png", "predict.txt"],
        ["geometry"] = ["summary.txt", "patches.csv", "coverage.png"],
        ["make-data"] = ["summary.txt", "teacher.csv", "teacher.npy", "teacher_model.json"],
        ["sweep"] = ["summary.txt", "runs.csv", "sweep.csv", "sweep_success.png", "cells/"],
        ["figure1"] = ["summary.txt", "summary.csv", "summary_all_seeds.csv", "summary_seeds.csv", "curves.csv", "refinement.png", "figure1_*.png"],
        ["compare"] = ["summary.txt", "runs.csv", "cells.csv", "compare_*.png"],
        ["plot-curve"] = ["summary.txt", "curve.png", "curve_medians.csv"],
    };

    private readonly List<(string Command, string Name)> _entries = [];

    /// <summary>The command whose results the directory holds; null when none has claimed it (only predict wrote there, or nothing).</summary>
    public string? Owner { get; set; }

    /// <summary>
    /// The file names <paramref name="command"/> writes with its default options (a folder ends
    /// in /, * stands for any text): checked before a run starts, and taken as the command's own
    /// in a directory of an older version.
    /// </summary>
    public static IReadOnlyList<string> KnownFiles(string command) => s_known.GetValueOrDefault(command) ?? [];

    /// <summary>True when <paramref name="command"/> wrote <paramref name="name"/> (as recorded).</summary>
    public bool Wrote(string command, string name) => _entries.Contains((command, name));

    /// <summary>Adds an entry; false when it was there.</summary>
    public bool Record(string command, string name)
    {
        if (name.IndexOfAny(['\n', '\r', '\t']) >= 0)
            throw new UsageException($"'{name}': convotron does not write file names with tabs or line breaks; choose a plain name.");
        if (Wrote(command, name))
            return false;
        _entries.Add((command, name));
        return true;
    }

    /// <summary>Drops the entries whose file (or folder) no longer exists in <paramref name="directory"/>; true when any was dropped.</summary>
    public bool Prune(string directory) =>
        _entries.RemoveAll(e => !(e.Name.EndsWith('/') ? Directory.Exists(Path.Combine(directory, e.Name.TrimEnd('/'))) : File.Exists(Path.Combine(directory, e.Name)))) > 0;

    public void Save(string directory)
    {
        var text = new StringBuilder(Header).Append('\n');
        if (Owner is not null)
            text.Append(OwnerKey).Append('\t').Append(Owner).Append('\n');
        foreach ((string command, string name) in _entries)
            text.Append(command).Append('\t').Append(name).Append('\n');
        AtomicFile.WriteAllText(Path.Combine(directory, FileName), text.ToString());
    }

    /// <summary>The manifest of <paramref name="directory"/>: read, or made from what older versions left.</summary>
    public static Manifest Load(string directory)
    {
        var manifest = new Manifest();
        string path = Path.Combine(directory, FileName);
        string[] lines = [];
        try
        {
            if (File.Exists(path))
                lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--out {directory}: cannot read {path} ({e.Message.TrimEnd('.')}), which says which files are convotron's. Make it readable, or use another --out directory.");
        }
        var content = lines.Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length > 0 && !l.StartsWith('#')).ToList();
        if (lines.Length > 0 && lines[0].StartsWith("# convotron", StringComparison.Ordinal))
        {
            foreach (string line in content.Where(l => l.Contains('\t')))
            {
                string[] parts = line.Split('\t', 2);
                if (parts[0] == OwnerKey)
                    manifest.Owner = parts[1];
                else
                    manifest._entries.Add((parts[0], parts[1]));
            }
            return manifest;
        }
        // An older version: the owner's name alone, or no file at all.
        manifest.Owner = content.Count == 1 ? content[0].Trim() : FirstWord(Path.Combine(directory, "summary.txt"), s_known.Keys);
        var legacy = new List<string>();
        if (manifest.Owner is string owner)
            legacy.Add(owner);
        if (FirstWord(Path.Combine(directory, "predict.txt"), ["predict"]) is string predict)
            legacy.Add(predict);
        foreach (string command in legacy)
        {
            foreach (string known in KnownFiles(command))
            {
                foreach (string name in Matching(directory, known))
                    manifest._entries.Add((command, name));
            }
        }
        return manifest;
    }

    /// <summary>The names in <paramref name="directory"/> that <paramref name="pattern"/> (a name, a folder ending in /, or one with *) matches.</summary>
    internal static IEnumerable<string> Matching(string directory, string pattern)
    {
        if (pattern.EndsWith('/'))
            return Directory.Exists(Path.Combine(directory, pattern.TrimEnd('/'))) ? [pattern] : [];
        if (!pattern.Contains('*'))
            return File.Exists(Path.Combine(directory, pattern)) ? [pattern] : [];
        return Directory.EnumerateFiles(directory, pattern).Select(p => Path.GetFileName(p)!).Order(StringComparer.Ordinal);
    }

    /// <summary>The first word of <paramref name="file"/>'s first line when it is one of <paramref name="commands"/>, else null.</summary>
    private static string? FirstWord(string file, IEnumerable<string> commands)
    {
        try
        {
            if (!File.Exists(file))
                return null;
            using var reader = new StreamReader(file);
            string word = (reader.ReadLine() ?? "").Split(' ', ':')[0];
            return commands.Contains(word) ? word : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // An unreadable summary claims nothing; writing reports the real problem.
            return null;
        }
    }
}
