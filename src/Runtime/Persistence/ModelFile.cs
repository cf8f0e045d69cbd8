using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;

namespace Convotron;

/// <summary>A model read from a model file: the network and, if the file has them, its preprocessing and label column.</summary>
/// <param name="Model">The network (geometry, activation, w, a).</param>
/// <param name="Preprocessing">The preprocessing fitted with it, or null.</param>
public sealed record LoadedModel(DynamicConvNet Model, Preprocessing? Preprocessing)
{
    /// <summary>The label column of the data the model was fitted on, or null (files written before it was recorded, or models not fitted to a table).</summary>
    public LabelColumn? Label { get; init; }
}

/// <summary>Where the label was in the table a model was fitted on: so that predictions on a table of the same layout use the same column.</summary>
/// <param name="Name">The column's name in the header, or null when the table had no header.</param>
/// <param name="Index">The column's 0-based position.</param>
/// <param name="Columns">How many columns the table had (inputs and label).</param>
public sealed record LabelColumn(string? Name, int Index, int Columns);

/// <summary>Thrown when a model, data or result file is malformed; the message names the file and the place (line and column, or byte offset).</summary>
public sealed class InvalidFileException : Exception
{
    /// <summary>Creates the exception.</summary>
    public InvalidFileException(string path, string location, string detail, Exception? inner = null)
        : base($"{path}{(location.Length > 0 ? ":" + location : "")}: {detail}", inner)
    {
        FilePath = path;
        Location = location;
    }

    /// <summary>The file.</summary>
    public string FilePath { get; }

    /// <summary>Where in the file (e.g. "line 3, column 7" or "byte 80"); empty when the whole file is at fault.</summary>
    public string Location { get; }
}

/// <summary>
/// Saves and loads models as JSON: format name and version, geometry (the 1d/2d syntax of
/// <see cref="PatchGeometry.Parse"/>, or d and the patch lists), activation slope, w, a and
/// preprocessing (null for none). Doubles are written round-trippably; files are written atomically.
/// Reading is strict: a repeated key, a missing required key or a value of the wrong type or range
/// is refused naming its JSON path (docs/MODEL_FILE.md).
/// Reflection-free, so it works trimmed and AOT-compiled.
/// </summary>
public static class ModelFile
{
    /// <summary>The "format" value of a model file.</summary>
    public const string Format = "convotron-model";

    /// <summary>The version written: 2, which always has "preprocessing" (null for none). Version-1 files are read too.</summary>
    public const int Version = 2;

    /// <summary>The oldest version read: it omitted "preprocessing" for models without one.</summary>
    private const int FirstVersion = 1;

    /// <summary>Writes <paramref name="model"/> (and optional preprocessing and label column) to <paramref name="path"/> atomically.</summary>
    /// <exception cref="ArgumentException">The preprocessing's length is not d, or the label column lies outside its table or the table does not have d + 1 columns.</exception>
    public static void Save(string path, IConvNet model, Preprocessing? preprocessing = null, LabelColumn? label = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Check(model, preprocessing, label);
        AtomicFile.Write(path, stream =>
        {
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            Write(json, model, preprocessing, label);
        });
    }

    /// <summary>The JSON text of a model file for <paramref name="model"/>.</summary>
    public static string ToJson(IConvNet model, Preprocessing? preprocessing = null, LabelColumn? label = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Check(model, preprocessing, label);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
            Write(json, model, preprocessing, label);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Check(IConvNet model, Preprocessing? preprocessing, LabelColumn? label)
    {
        if (preprocessing is not null)
            Guard.Length(preprocessing.InputMean.Length, model.Geometry.InputSize, "d");
        if (label is not null)
        {
            Guard.Length(label.Columns, model.Geometry.InputSize + 1, "d + 1");
            if (label.Index < 0 || label.Index >= label.Columns)
                throw new ArgumentOutOfRangeException(nameof(label), label.Index, $"The label column's index must lie in [0, {label.Columns - 1}].");
        }
    }

    /// <summary>Reads a model file.</summary>
    /// <exception cref="InvalidFileException">The path is a directory, or the file is not valid JSON (or repeats a key), not a model file, has a value of the wrong type or range (named by its JSON path), or its lengths disagree with its geometry.</exception>
    public static LoadedModel Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
            throw new InvalidFileException(path, "", "this is a directory; expected a model file (the JSON that 'convotron fit' or ModelFile.Save writes, e.g. DIR/model.json).");
        return FromJson(File.ReadAllBytes(path), path);
    }

    /// <summary>Parses model-file JSON; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="InvalidFileException">The JSON is malformed or inconsistent.</exception>
    public static LoadedModel FromJson(ReadOnlySpan<byte> utf8Json, string source = "<model>")
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8Json.ToArray(), new JsonDocumentOptions { AllowTrailingCommas = false });
        }
        catch (JsonException e)
        {
            throw new InvalidFileException(source,
                string.Create(CultureInfo.InvariantCulture, $"line {(e.LineNumber ?? 0) + 1}, column {(e.BytePositionInLine ?? 0) + 1}"),
                "not valid JSON: " + JsonMessage(e.Message), e);
        }
        using (document)
        {
            RefuseRepeatedKeys(utf8Json, source);
            try
            {
                return Read(document.RootElement);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or KeyNotFoundException)
            {
                throw new InvalidFileException(source, "", Detail(e), e);
            }
        }
    }

    /// <summary>
    /// Refuses a key repeated within one object, at its line and column: JSON readers disagree on
    /// which value wins, and the last would win here without a word. Runs on valid JSON only.
    /// </summary>
    private static void RefuseRepeatedKeys(ReadOnlySpan<byte> utf8Json, string source)
    {
        var reader = new Utf8JsonReader(utf8Json);
        var objects = new Stack<HashSet<string>>();
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                objects.Push(new HashSet<string>(StringComparer.Ordinal));
            }
            else if (reader.TokenType == JsonTokenType.EndObject)
            {
                objects.Pop();
            }
            else if (reader.TokenType == JsonTokenType.PropertyName)
            {
                string key;
                try
                {
                    key = reader.GetString()!;
                }
                catch (InvalidOperationException)
                {
                    // The parser checks the structure only: a key's bytes are decoded here first (found by fuzzing).
                    throw new InvalidFileException(source, Place(utf8Json, reader), "a key is not valid UTF-8 text; a model file is UTF-8 JSON.");
                }
                if (!objects.Peek().Add(key))
                {
                    throw new InvalidFileException(source, Place(utf8Json, reader),
                        $"the key '{key}' appears a second time in the same object; each key may appear once (which value is meant?).");
                }
            }
        }

        static string Place(ReadOnlySpan<byte> utf8Json, Utf8JsonReader reader)
        {
            ReadOnlySpan<byte> before = utf8Json[..(int)reader.TokenStartIndex];
            int line = before.Count((byte)'\n') + 1, column = before.Length - (before.LastIndexOf((byte)'\n') + 1) + 1;
            return string.Create(CultureInfo.InvariantCulture, $"line {line}, column {column}");
        }
    }

    /// <summary>An exception's message for a file's reader: without the code's parameter name and "Actual value was" suffixes.</summary>
    private static string Detail(Exception e)
    {
        string message = e.Message;
        if (e is ArgumentException { ParamName: { } name })
            message = message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal);
        int actual = message.IndexOf("Actual value was", StringComparison.Ordinal);
        return (actual >= 0 ? message[..actual] : message).Trim();
    }

    /// <summary>System.Text.Json's message without the path and the position (the location states the position once, 1-based).</summary>
    private static string JsonMessage(string message)
    {
        foreach (string marker in new[] { " Path:", " LineNumber:" })
        {
            int at = message.IndexOf(marker, StringComparison.Ordinal);
            if (at >= 0)
                message = message[..at];
        }
        return message.Trim();
    }

    private static void Write(Utf8JsonWriter json, IConvNet model, Preprocessing? preprocessing, LabelColumn? label)
    {
        PatchGeometry geometry = model.Geometry;
        json.WriteStartObject();
        json.WriteString("format", Format);
        json.WriteNumber("version", Version);
        json.WriteStartObject("geometry");
        if (geometry.Layout == PatchLayout.General)
        {
            json.WriteNumber("d", geometry.InputSize);
            json.WriteStartArray("patches");
            for (int j = 0; j < geometry.PatchCount; j++)
            {
                json.WriteStartArray();
                foreach (int index in geometry.Patch(j))
                    json.WriteNumberValue(index);
                json.WriteEndArray();
            }
            json.WriteEndArray();
        }
        else
        {
            json.WriteString("spec", geometry.ToString());
        }
        json.WriteEndObject();
        json.WriteNumber("alpha", model.Activation.Alpha);
        WriteArray(json, "filter", model.Filter);
        WriteArray(json, "outputWeights", model.OutputWeights);
        if (preprocessing is not null)
        {
            json.WriteStartObject("preprocessing");
            WriteArray(json, "inputMean", preprocessing.InputMean);
            json.WriteNumber("inputScale", preprocessing.InputScale);
            json.WriteNumber("labelMean", preprocessing.LabelMean);
            json.WriteNumber("labelScale", preprocessing.LabelScale);
            if (preprocessing.IsWhitened)
                WriteArray(json, "whitening", preprocessing.Whitening);
            json.WriteEndObject();
        }
        else
        {
            // Written as null, not left out: a file without the key is refused (a key lost in an edit
            // would otherwise turn a fitted model into one on raw inputs without a word).
            json.WriteNull("preprocessing");
        }
        if (label is not null)
        {
            // Optional (files without it still load), and ignored by readers that predate it.
            json.WriteStartObject("label");
            if (label.Name is not null)
                json.WriteString("name", label.Name);
            json.WriteNumber("column", label.Index);
            json.WriteNumber("columns", label.Columns);
            json.WriteEndObject();
        }
        json.WriteEndObject();
    }

    private static void WriteArray(Utf8JsonWriter json, string name, ReadOnlySpan<double> values)
    {
        json.WriteStartArray(name);
        foreach (double v in values)
            json.WriteNumberValue(v);
        json.WriteEndArray();
    }

    private static LoadedModel Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new FormatException("the top level must be a JSON object.");
        string format = String(root, "format", "the string \"" + Format + "\"");
        if (format != Format)
            throw new FormatException($"'format' is '{format}', expected '{Format}'.");
        int version = Integer(root, "version", 1, Version, $"{FirstVersion} or {Version}");
        JsonElement geometryElement = Property(root, "geometry", "", JsonValueKind.Object, "an object with 'spec', or with 'd' and 'patches'");
        PatchGeometry geometry;
        if (geometryElement.TryGetProperty("spec", out _))
        {
            geometry = PatchGeometry.Parse(String(geometryElement, "spec", "a geometry such as \"1d:r=8,s=6,d=32\"", "geometry."));
        }
        else
        {
            int d = Integer(geometryElement, "d", 1, int.MaxValue, "the input size, a whole number ≥ 1", "geometry.");
            var patches = new List<int[]>();
            JsonElement list = Property(geometryElement, "patches", "geometry.", JsonValueKind.Array, "an array of patches, each an array of input indices");
            foreach (JsonElement patch in list.EnumerateArray())
            {
                string at = string.Create(CultureInfo.InvariantCulture, $"geometry.patches[{patches.Count}]");
                if (patch.ValueKind != JsonValueKind.Array)
                    throw new FormatException($"'{at}' is {Describe(patch)}; expected an array of input indices.");
                var indices = new int[patch.GetArrayLength()];
                int t = 0;
                foreach (JsonElement index in patch.EnumerateArray())
                {
                    indices[t] = IntegerValue(index, string.Create(CultureInfo.InvariantCulture, $"{at}[{t}]"), 0, d - 1, string.Create(CultureInfo.InvariantCulture, $"an input index in [0, d − 1] = [0, {d - 1}]"));
                    t++;
                }
                patches.Add(indices);
            }
            geometry = PatchGeometry.FromPatches(d, patches);
        }
        double alpha = Number(root, "alpha", "the activation slope, a number in [0, 1] (0 is ReLU, 1 is linear)");
        if (!(alpha >= 0.0 && alpha <= 1.0))
            throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"'alpha' is {alpha}; the activation slope must lie in [0, 1] (0 is ReLU, 1 is linear)."));
        Activation activation = Activation.Leaky(alpha);
        double[] filter = ReadArray(root, "filter");
        double[] outputWeights = ReadArray(root, "outputWeights");
        if (filter.Length != geometry.FilterSize)
            throw new FormatException($"'filter' has {filter.Length} entries but geometry {geometry} has r = {geometry.FilterSize}.");
        if (outputWeights.Length != geometry.PatchCount)
            throw new FormatException($"'outputWeights' has {outputWeights.Length} entries but geometry {geometry} has k = {geometry.PatchCount}.");
        Preprocessing? preprocessing = ReadPreprocessing(root, version, geometry);
        LabelColumn? label = null;
        if (root.TryGetProperty("label", out JsonElement labelElement))
        {
            if (labelElement.ValueKind != JsonValueKind.Object)
                throw new FormatException($"'label' is {Describe(labelElement)}; expected an object with 'column', 'columns' and optionally 'name'.");
            int columns = Integer(labelElement, "columns", 2, int.MaxValue, "the table's column count, a whole number ≥ 2", "label.");
            int column = Integer(labelElement, "column", 0, int.MaxValue, "the label's 0-based column, a whole number ≥ 0", "label.");
            if (columns != geometry.InputSize + 1 || column < 0 || column >= columns)
                throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"'label' says column {column} of {columns}, but geometry {geometry} needs d + 1 = {geometry.InputSize + 1} columns with the label among them."));
            string? name = labelElement.TryGetProperty("name", out _) ? String(labelElement, "name", "the label column's name", "label.") : null;
            label = new LabelColumn(name, column, columns);
        }
        return new LoadedModel(new DynamicConvNet(geometry, activation, filter, outputWeights), preprocessing) { Label = label };
    }

    /// <summary>
    /// "preprocessing": an object, or null for a model that takes raw inputs. Required from version 2
    /// on (a file without it is refused rather than read as the identity); version-1 files, which
    /// omitted it for models without preprocessing, still load without it.
    /// </summary>
    private static Preprocessing? ReadPreprocessing(JsonElement root, int version, PatchGeometry geometry)
    {
        if (!root.TryGetProperty("preprocessing", out JsonElement pre))
        {
            return version == FirstVersion
                ? null
                : throw new FormatException($"the property 'preprocessing' is missing; version {version} files always have it: an object, or null for a model that takes raw inputs (the inputs and labels unscaled).");
        }
        if (pre.ValueKind == JsonValueKind.Null)
            return null;
        if (pre.ValueKind != JsonValueKind.Object)
            throw new FormatException($"'preprocessing' is {Describe(pre)}; expected an object (inputMean, inputScale, labelMean, labelScale, optionally whitening) or null.");
        double[] mean = ReadArray(pre, "inputMean", "preprocessing.");
        if (mean.Length != geometry.InputSize)
            throw new FormatException($"'preprocessing.inputMean' has {mean.Length} entries but geometry {geometry} has d = {geometry.InputSize}.");
        double[] whitening = pre.TryGetProperty("whitening", out _) ? ReadArray(pre, "whitening", "preprocessing.") : [];
        if (whitening.Length != 0 && whitening.Length != mean.Length * mean.Length)
            throw new FormatException($"'preprocessing.whitening' has {whitening.Length} entries but geometry {geometry} needs d² = {(long)mean.Length * mean.Length} (a d × d matrix, row by row).");
        double inputScale = Number(pre, "inputScale", "a finite number > 0", "preprocessing.");
        double labelMean = Number(pre, "labelMean", "a finite number", "preprocessing.");
        double labelScale = Number(pre, "labelScale", "a finite number > 0", "preprocessing.");
        foreach ((string key, double value) in new[] { ("inputScale", inputScale), ("labelScale", labelScale) })
        {
            if (!(value > 0.0))
                throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"'preprocessing.{key}' is {value}; expected a finite number > 0."));
        }
        return new Preprocessing(mean, inputScale, labelMean, labelScale, whitening);
    }

    /// <summary>The property <paramref name="name"/> of <paramref name="element"/> (at <paramref name="prefix"/>), of the given kind.</summary>
    private static JsonElement Property(JsonElement element, string name, string prefix, JsonValueKind kind, string expected)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out JsonElement value))
            throw new FormatException($"the property '{prefix}{name}' is missing; expected {expected}.");
        if (value.ValueKind != kind)
            throw new FormatException($"'{prefix}{name}' is {Describe(value)}; expected {expected}.");
        return value;
    }

    private static string String(JsonElement element, string name, string expected, string prefix = "") =>
        Property(element, name, prefix, JsonValueKind.String, expected).GetString()!;

    /// <summary>A finite number (JSON numbers beyond ±1.8e308 are refused, not read as infinities).</summary>
    private static double Number(JsonElement element, string name, string expected, string prefix = "")
    {
        JsonElement value = Property(element, name, prefix, JsonValueKind.Number, expected);
        return Finite(value, prefix + name, expected);
    }

    private static double Finite(JsonElement value, string path, string expected)
    {
        if (!value.TryGetDouble(out double number) || !double.IsFinite(number))
            throw new FormatException($"'{path}' is {value.GetRawText()}, beyond the range of a double (±1.8e308); expected {expected}.");
        return number;
    }

    private static int Integer(JsonElement element, string name, int minimum, int maximum, string expected, string prefix = "") =>
        IntegerValue(Property(element, name, prefix, JsonValueKind.Number, expected), prefix + name, minimum, maximum, expected);

    private static int IntegerValue(JsonElement value, string path, int minimum, int maximum, string expected)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int number) || number < minimum || number > maximum)
            throw new FormatException($"'{path}' is {Describe(value)}; expected {expected}.");
        return number;
    }

    /// <summary>A JSON value as a message shows it: "the string \"relu\"", "the number 2.5", "an array", "null".</summary>
    private static string Describe(JsonElement value)
    {
        string raw = value.ValueKind is JsonValueKind.String or JsonValueKind.Number ? value.GetRawText() : "";
        if (raw.Length > 40)
            raw = raw[..37] + "...";
        return value.ValueKind switch
        {
            JsonValueKind.String => "the string " + raw,
            JsonValueKind.Number => "the number " + raw,
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => "null",
        };
    }

    private static double[] ReadArray(JsonElement element, string name, string prefix = "")
    {
        JsonElement array = Property(element, name, prefix, JsonValueKind.Array, "an array of finite numbers");
        var values = new double[array.GetArrayLength()];
        int i = 0;
        foreach (JsonElement v in array.EnumerateArray())
        {
            string path = string.Create(CultureInfo.InvariantCulture, $"{prefix}{name}[{i}]");
            if (v.ValueKind != JsonValueKind.Number)
                throw new FormatException($"'{path}' is {Describe(v)}; expected a finite number.");
            values[i++] = Finite(v, path, "a finite number");
        }
        return values;
    }
}
