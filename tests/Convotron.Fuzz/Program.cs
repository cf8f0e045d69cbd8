using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using Convotron;
using Convotron.Cli.Commands;
using Convotron.Cli.Data;
using Convotron.Cli.Infrastructure;
using SharpFuzz;

namespace Convotron.Fuzz;

/// <summary>
/// Fuzz targets for the readers of user files: each takes one input's bytes and either reads it or
/// refuses it with that reader's documented "invalid file" error; any other exception, a hang or a
/// crash is a bug. Usage:
/// <c>Convotron.Fuzz TARGET</c> (under afl-fuzz: SharpFuzz's fork server, input on stdin) or
/// <c>Convotron.Fuzz TARGET --check FILE|DIR ...</c> (every file once, no AFL; exit 1 on a bug);
/// <c>Convotron.Fuzz model --write-seeds DIR</c> writes the model files of the seed corpus as ModelFile writes them.
/// </summary>
public static class Program
{
    /// <summary>The memory a fuzz input may make a reader plan to allocate; beyond it the CLI's own size guard must refuse it first.</summary>
    internal const long Budget = 16L << 20;

    private static readonly Dictionary<string, Action<byte[]>> Targets = new(StringComparer.Ordinal)
    {
        ["csv"] = Csv,
        ["npy"] = Npy,
        ["model"] = Model,
        ["geometry"] = Geometry,
    };

    private static string? _scratch;

    public static int Main(string[] args)
    {
        if (args.Length == 0 || !Targets.TryGetValue(args[0], out Action<byte[]>? target))
        {
            Console.Error.WriteLine($"usage: Convotron.Fuzz {string.Join("|", Targets.Keys)} [--check FILE|DIR ...]");
            return 2;
        }
        // afl-fuzz ends the harness with a kill, so the folder scripts/fuzz.sh gives is removed by
        // the script; run alone, the harness makes its own and removes it.
        string? given = Environment.GetEnvironmentVariable("CONVOTRON_FUZZ_SCRATCH");
        _scratch = given ?? Directory.CreateDirectory(Path.Combine(ScratchRoot(), $"convotron-fuzz-{Environment.ProcessId}")).FullName;
        try
        {
            if (args.Length > 1 && args[1] == "--check")
            {
                GiveInstrumentationAMap();
                return Check(args[0], target, args[2..]);
            }
            if (args is ["model", "--write-seeds", string seeds])
                return WriteModelSeeds(seeds);
            Fuzzer.Run(stream =>
            {
                using var buffer = new MemoryStream();
                stream.CopyTo(buffer);
                target(buffer.ToArray());
            });
            return 0;
        }
        finally
        {
            if (given is null)
                Directory.Delete(_scratch, recursive: true);
        }
    }

    /// <summary>
    /// Instrumented assemblies (scripts/fuzz.sh) write coverage into the map afl-fuzz shares; outside
    /// afl-fuzz <see cref="Fuzzer.Run(Action{Stream})"/> is not called, so they get a map of their own.
    /// </summary>
    private static unsafe void GiveInstrumentationAMap() =>
        SharpFuzz.Common.Trace.SharedMem = (byte*)NativeMemory.AllocZeroed(1 << 16);

    /// <summary>Runs the target once on every file (directories: their files, not recursively); reports each bug with the file and the exception.</summary>
    private static int Check(string name, Action<byte[]> target, string[] paths)
    {
        var files = paths.SelectMany(p => Directory.Exists(p) ? Directory.GetFiles(p).Order(StringComparer.Ordinal) : (IEnumerable<string>)[p]).ToList();
        int bugs = 0;
        foreach (string file in files)
        {
            try
            {
                target(File.ReadAllBytes(file));
            }
            catch (Exception e)
            {
                bugs++;
                Console.Error.WriteLine($"{name}: BUG on {file}: {e}");
            }
        }
        Console.WriteLine($"{name}: {files.Count} inputs read once, {bugs} bug{(bugs == 1 ? "" : "s")}");
        return bugs == 0 ? 0 : 1;
    }

    /// <summary>Model files of every geometry syntax, with and without preprocessing (plain and whitened) and label column.</summary>
    private static int WriteModelSeeds(string directory)
    {
        Directory.CreateDirectory(directory);
        var random = new Random(19);
        double[] Values(int n) => Enumerable.Range(0, n).Select(_ => Math.Round(random.NextDouble() * 2 - 1, 4)).ToArray();
        void Write(string name, PatchGeometry geometry, double alpha, bool preprocessing = false, bool whitened = false, LabelColumn? label = null)
        {
            var model = new DynamicConvNet(geometry, Activation.Leaky(alpha), Values(geometry.FilterSize), Values(geometry.PatchCount));
            int d = geometry.InputSize;
            Preprocessing? pre = preprocessing
                ? new Preprocessing(Values(d), 1.5, -0.25, 2.0, whitened ? Enumerable.Range(0, d * d).Select(i => i % (d + 1) == 0 ? 1.0 : 0.125).ToArray() : default)
                : null;
            ModelFile.Save(Path.Combine(directory, name), model, pre, label);
        }
        Write("1d.json", PatchGeometry.Parse("1d:r=3,s=2,d=7"), 0);
        Write("1d-preprocessing-label.json", PatchGeometry.Parse("1d:r=2,s=1,d=4"), 0.1, preprocessing: true, label: new LabelColumn("y", 4, 5));
        Write("1d-whitened-unnamed-label.json", PatchGeometry.Parse("1d:r=2,s=2,d=4"), 1, preprocessing: true, whitened: true, label: new LabelColumn(null, 0, 5));
        Write("1d-channels.json", PatchGeometry.Parse("1d:r=2,s=1,d=3,channels=2"), 0.5);
        Write("2d.json", PatchGeometry.Parse("2d:rh=2,rw=2,sh=1,sw=1,height=3,width=3"), 0);
        Write("2d-channels-preprocessing.json", PatchGeometry.Parse("2d:rh=1,rw=2,sh=1,sw=2,height=2,width=4,channels=2"), 0.01, preprocessing: true);
        Write("patches.json", PatchGeometry.FromPatches(6, [[0, 2], [1, 5], [4, 3]]), 0);
        Write("patches-strided.json", PatchGeometry.FromPatches(5, [[0, 1], [2, 3]]), 0.2, preprocessing: true, label: new LabelColumn("target", 2, 6));
        return 0;
    }

    /// <summary>A RAM-backed folder when there is one (the readers take paths; each input is written there first).</summary>
    private static string ScratchRoot() => Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();

    private static string WriteInput(byte[] bytes, string extension)
    {
        string path = Path.Combine(_scratch!, $"input-{Environment.ProcessId}{extension}");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>CSV as fit and predict read it: <see cref="CsvReader.Read"/> of a file (UTF-8 decoding, size check, parsing).</summary>
    private static void Csv(byte[] bytes)
    {
        string path = WriteInput(bytes, ".csv");
        Table table;
        try
        {
            table = Allocating(bytes.Length, () => CsvReader.Read(path));
        }
        catch (InvalidFileException)
        {
            return;
        }
        CheckTable(table);
        if (table.Header is { } header && header.Count != table.Columns)
            throw new FuzzBugException($"the header has {header.Count} names for {table.Columns} columns");
    }

    /// <summary>.npy as fit and predict read it (<see cref="NpyReader.Read"/>, chunked reads of a file), and the in-memory <see cref="NpyReader.Parse"/>, which must agree.</summary>
    private static void Npy(byte[] bytes)
    {
        string path = WriteInput(bytes, ".npy");
        Table? fromFile = null, fromBytes = null;
        string? fileError = null, bytesError = null;
        try
        {
            fromFile = Allocating(bytes.Length, () => NpyReader.Read(path));
        }
        catch (InvalidFileException e)
        {
            fileError = e.Message;
        }
        try
        {
            fromBytes = Allocating(bytes.Length, () => NpyReader.Parse(path, bytes));
        }
        catch (InvalidFileException e)
        {
            bytesError = e.Message;
        }
        if (fileError != bytesError)
            throw new FuzzBugException($"Read and Parse disagree: '{fileError ?? "read"}' vs '{bytesError ?? "read"}'");
        if (fromFile is null || fromBytes is null)
            return;
        CheckTable(fromFile);
        if (fromFile.Columns != fromBytes.Columns || !fromFile.Values.SequenceEqual(fromBytes.Values))
            throw new FuzzBugException("Read and Parse return different tables");
    }

    /// <summary>
    /// A model file as predict reads it: its size guard on the geometry (a refusal there is the
    /// documented invalid-file error), then <see cref="ModelFile.Load"/>; a model read must survive a
    /// round trip through <see cref="ModelFile.ToJson"/> unchanged.
    /// </summary>
    private static void Model(byte[] bytes)
    {
        string path = WriteInput(bytes, ".json");
        LoadedModel loaded;
        try
        {
            loaded = Allocating(bytes.Length, () =>
            {
                PredictCommand.RequireModelMemory(new MemoryBudget(Budget, true), path);
                return ModelFile.Load(path);
            });
        }
        catch (InvalidFileException)
        {
            return;
        }
        DynamicConvNet model = loaded.Model;
        string json = ModelFile.ToJson(model, loaded.Preprocessing, loaded.Label);
        LoadedModel again = ModelFile.FromJson(Encoding.UTF8.GetBytes(json), "round trip");
        if (!again.Model.Geometry.Equals(model.Geometry)
            || !again.Model.Filter.SequenceEqual(model.Filter)
            || !again.Model.OutputWeights.SequenceEqual(model.OutputWeights)
            || again.Model.Activation.Alpha.CompareTo(model.Activation.Alpha) != 0
            || again.Label != loaded.Label
            || (again.Preprocessing is null) != (loaded.Preprocessing is null))
            throw new FuzzBugException("the model changed in a round trip through ToJson");
    }

    /// <summary>
    /// Geometry text as the command line reads it (<c>--geometry</c>: the size guard, then
    /// <see cref="PatchGeometry.Parse"/>, whose FormatException and ArgumentException become a usage
    /// error); a geometry read must print as text that parses to the same geometry.
    /// </summary>
    private static void Geometry(byte[] bytes)
    {
        string text = Encoding.UTF8.GetString(bytes);
        PatchGeometry geometry;
        try
        {
            geometry = Allocating(bytes.Length, () => Parsing.Geometry("--geometry", text, new MemoryBudget(Budget, true)));
        }
        catch (UsageException)
        {
            return;
        }
        PatchGeometry again = PatchGeometry.Parse(geometry.ToString());
        if (!again.Equals(geometry))
            throw new FuzzBugException($"'{geometry}' parses to another geometry, '{again}'");
    }

    /// <summary>
    /// Runs <paramref name="read"/> (a reader, with its size guard) and checks what it allocated when
    /// it succeeds: at most the size guard's budget plus 64 bytes per byte of input. More means a small file made a reader allocate without a
    /// guard seeing it (on a smaller machine: an OutOfMemoryException, or the machine swapping).
    /// </summary>
    private static T Allocating<T>(int inputBytes, Func<T> read)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        T result = read();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (allocated > Budget + 64L * inputBytes)
            throw new FuzzBugException(string.Create(CultureInfo.InvariantCulture,
                $"reading {inputBytes:N0} bytes allocated {allocated:N0} bytes, more than the {Budget:N0}-byte budget the size guard was given plus 64 bytes per input byte"));
        return result;
    }

    private static void CheckTable(Table table)
    {
        if (table.Columns < 2 || table.Rows < 1 || table.Values.Length != table.Rows * table.Columns)
            throw new FuzzBugException($"a table of {table.Rows} rows, {table.Columns} columns and {table.Values.Length} values was read");
        foreach (double v in table.Values)
        {
            if (!double.IsFinite(v))
                throw new FuzzBugException("a non-finite value was read");
        }
    }
}

/// <summary>A reader returned something its contract rules out (not an exception it may throw).</summary>
public sealed class FuzzBugException(string message) : Exception(message);
